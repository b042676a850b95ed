import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { DISPATCH_WAKE_CHANNEL } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';

export interface HeldLease {
  organizationId: string;
  leaseId: string;
}

/**
 * Keeps alive the slot leases of the calls this process runs, and gives a slot back the moment
 * its call ends, waking every dispatcher so the slot is refilled at once.
 */
@Injectable()
export class LeaseKeeper implements OnModuleDestroy {
  private readonly logger = new Logger(LeaseKeeper.name);
  /** callId → the lease its call holds */
  private readonly held = new Map<string, HeldLease>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly localWakeListeners: ((organizationId: string) => void)[] = [];
  /** Sent with the wake-ups this service publishes after waking its own dispatcher, which then skips them. */
  readonly wakeTag = randomUUID();

  constructor(
    private readonly slots: SlotLeasesService,
    private readonly redis: RedisService,
  ) {
    this.renewTimer = setInterval(() => void this.renewAll(), Math.floor(slots.leaseTtlMs / 3));
    this.renewTimer.unref();
  }

  hold(callId: string, organizationId: string, leaseId: string): void {
    this.held.set(callId, { organizationId, leaseId });
  }

  /** Stops keeping a call's lease alive and hands it over (to be released); undefined if this process does not hold it. */
  take(callId: string): HeldLease | undefined {
    const lease = this.held.get(callId);
    this.held.delete(callId);
    return lease;
  }

  /** Called by a dispatcher in this process, so a freed slot is refilled without a Redis round trip. */
  onLocalRelease(listener: (organizationId: string) => void): void {
    this.localWakeListeners.push(listener);
  }

  async release(organizationId: string, leaseId: string): Promise<void> {
    // Not awaited before the local wake-up: Redis runs one connection's commands in order, so the
    // dispatcher's acquire, sent on the same connection right after, already sees the slot free.
    const released = this.slots.release(organizationId, [leaseId]);
    for (const listener of this.localWakeListeners) listener(organizationId);
    await released;
    // The other processes' dispatchers; this one's is awake already.
    await this.redis.publish(DISPATCH_WAKE_CHANNEL, `${organizationId} ${this.wakeTag}`);
  }

  private async renewAll(): Promise<void> {
    const byOrganization = new Map<string, string[]>();
    for (const { leaseId, organizationId } of this.held.values()) {
      byOrganization.set(organizationId, [...(byOrganization.get(organizationId) ?? []), leaseId]);
    }
    for (const [organizationId, leaseIds] of byOrganization) {
      await this.slots.renew(organizationId, leaseIds).catch((error) => this.logger.warn(`lease renewal failed: ${error}`));
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.renewTimer);
  }
}
