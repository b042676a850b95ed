import { Injectable } from '@nestjs/common';

/**
 * The time every scheduling decision reads (retries, calling hours, contact caps), so that tests can
 * move it forward instead of sleeping through hours. Timestamps of what happened on a call are the
 * database's and the voice platform's, not this clock's.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves this process's time forward (tests); never used by the service itself. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
