import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { CampaignExpiryService } from './campaign-expiry.service';
import { DispatcherService } from './dispatcher.service';

/** Calls moved back to the queue per statement. */
const BATCH = 1000;

/**
 * Puts scheduled calls (retries, calls waiting for their calling hours) back in the queue when they
 * are due, in order of due time: each gets a new place at the end of the organization's queue, so a
 * retry waits behind the calls that were queued before it was due. A call of a paused campaign goes
 * to `paused` instead, and is released on resume. Campaigns past their expiry end their unplaced calls first.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchedulerService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly db: DataSource,
    private readonly dispatcher: DispatcherService,
    private readonly clock: Clock,
    private readonly expiry: CampaignExpiryService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.schedulerIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Releases every call due by now; returns how many. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let released = 0;
    try {
      // Expired campaigns first: a call due now but past its campaign's expiry must not be queued.
      for (const organizationId of await this.expiry.expire(this.clock.now())) this.dispatcher.wake(organizationId);
      for (;;) {
        // The campaigns' versions (their status pages' ETag) move in the same statement, locked in id order.
        const rows: { organization_id: string }[] = await this.db.query(
          `WITH due AS (
             SELECT c.id, nextval(pg_get_serial_sequence('calls', 'seq')) AS new_seq FROM (
               SELECT id FROM calls WHERE call_state = 'scheduled' AND next_attempt_at <= $1
               ORDER BY next_attempt_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED
             ) c
           ), released AS (
             UPDATE calls c SET seq = due.new_seq, next_attempt_at = NULL, status = 'queued',
               call_state = CASE WHEN r.status = 'paused' THEN 'paused' ELSE 'queued' END, updated_at = now()
             FROM due, call_requests r
             WHERE c.id = due.id AND r.id = c.call_request_id AND c.call_state = 'scheduled'
             RETURNING c.organization_id, c.call_request_id
           ), versioned AS (
             UPDATE call_requests r SET version = r.version + 1
             FROM (SELECT id FROM call_requests WHERE id IN (SELECT call_request_id FROM released) ORDER BY id FOR UPDATE) k
             WHERE r.id = k.id
           )
           SELECT organization_id FROM released`,
          [this.clock.now(), BATCH],
        );
        released += rows.length;
        for (const organizationId of new Set(rows.map((row) => row.organization_id))) this.dispatcher.wake(organizationId);
        if (rows.length < BATCH) return released;
      }
    } catch (error) {
      this.logger.error(`releasing scheduled calls failed: ${(error as Error)?.stack ?? error}`);
      return released;
    } finally {
      this.running = false;
    }
  }
}
