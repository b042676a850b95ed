import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { OrganizationsService } from '../organizations/organizations.service';
import { RedisService } from '../redis/redis.service';
import { Clock } from '../common/clock';
import { CallSql } from './call-sql';
import { DialService } from './dial.service';
import { LeaseKeeper } from './lease-keeper.service';
import { DIAL_JOB, DIAL_JOB_OPTIONS, DIAL_QUEUE, DialJobData, DISPATCH_WAKE_CHANNEL, wokenOrganization } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';

/** Slots asked for in one round trip; bounds the size of one claim batch. */
const MAX_BATCH = 100;

/**
 * Releases queued calls exactly as fast as an organization's slots free up. PostgreSQL is the backlog
 * (FIFO by seq); a call leaves it only with a slot lease in hand, claimed by one conditional UPDATE,
 * and is then dialed by this process while it has room for more dials in flight (DIAL_CONCURRENCY),
 * else handed to any worker as a bull job. Wake-ups are events (slot freed, work submitted, usage
 * changed), with a periodic sweep as a safety net only.
 *
 * Dialing here saves the bull hop (add, fetch, completion: several Redis round trips and a wake-up of
 * the worker loop) on the path from a freed slot to the next dial. Nothing is lost when the process dies
 * meanwhile: a claimed call is dialed only after its durable dial-start UPDATE, and the reconciler puts
 * a claimed call whose dial never started back in the queue once its lease has expired.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DispatcherService.name);
  private readonly pumping = new Set<string>();
  private readonly pumpAgain = new Set<string>();
  private stopped = false;
  /** Dials started by this dispatcher that have not returned yet. */
  private localDials = 0;

  constructor(
    private readonly db: DataSource,
    private readonly sql: CallSql,
    private readonly slots: SlotLeasesService,
    private readonly organizations: OrganizationsService,
    private readonly redis: RedisService,
    private readonly leaseKeeper: LeaseKeeper,
    private readonly dialService: DialService,
    private readonly clock: Clock,
    @InjectQueue(DIAL_QUEUE) private readonly dialQueue: Queue<DialJobData>,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.leaseKeeper.onLocalRelease((organizationId) => this.wake(organizationId));
    await this.redis.subscribe(DISPATCH_WAKE_CHANNEL, (message) => {
      const organizationId = wokenOrganization(message, this.leaseKeeper.wakeTag);
      if (organizationId) this.wake(organizationId);
    });
    await this.sweep();
  }

  /** Stops releasing calls, and lets the dials in flight here finish placing their calls (as bull lets its active jobs finish). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    const deadline = Date.now() + 5_000;
    while (this.localDials > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Release as many of the organization's queued calls as it has free slots. Coalesces concurrent wake-ups. */
  wake(organizationId: string): void {
    if (this.stopped) return;
    if (this.pumping.has(organizationId)) {
      this.pumpAgain.add(organizationId);
      return;
    }
    this.pumping.add(organizationId);
    void this.pump(organizationId);
  }

  /** Resolves when no pump is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pumping.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Wakes every organization that has queued calls: at start-up, and periodically in case a wake-up was lost. */
  async sweep(): Promise<void> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT o.id FROM organizations o WHERE EXISTS (SELECT 1 FROM calls c WHERE c.organization_id = o.id AND c.call_state = 'queued')`,
    );
    for (const { id } of rows) this.wake(id);
  }

  private async pump(organizationId: string): Promise<void> {
    try {
      do {
        this.pumpAgain.delete(organizationId);
        await this.releaseQueuedCalls(organizationId);
      } while (this.pumpAgain.has(organizationId) && !this.stopped);
    } catch (error) {
      this.logger.error(`dispatch for organization ${organizationId} failed: ${(error as Error)?.stack ?? error}`);
    } finally {
      this.pumping.delete(organizationId);
    }
  }

  private async releaseQueuedCalls(organizationId: string): Promise<void> {
    for (;;) {
      const leasedAt = Date.now();
      const { leases, held } = await this.acquire(organizationId, MAX_BATCH);
      if (leases.length === 0) return;
      const claimed = await this.claim(organizationId, leases, held);
      const unused = leases.slice(claimed.length);
      await this.slots.release(organizationId, unused);
      const jobs: DialJobData[] = [];
      for (const call of claimed) {
        const job = { callId: call.id, organizationId, leaseId: call.lease_id, leasedAt };
        if (this.localDials < this.config.dialConcurrency) this.dialHere(job);
        else jobs.push(job);
      }
      if (jobs.length > 0) await this.dialQueue.addBulk(jobs.map((data) => ({ name: DIAL_JOB, data, opts: DIAL_JOB_OPTIONS })));
      // Fewer slots than asked for: every free one was taken. A slot freed since has woken the pump again.
      if (unused.length > 0 || leases.length < MAX_BATCH) return;
    }
  }

  private dialHere(job: DialJobData): void {
    this.localDials++;
    this.dialService
      .dial(job)
      .catch((error) => this.logger.error(`dialing call ${job.callId} failed: ${(error as Error)?.stack ?? error}`))
      .finally(() => this.localDials--);
  }

  private async acquire(organizationId: string, wanted: number): Promise<{ leases: string[]; held: string[] }> {
    const acquired = await this.slots.acquire(organizationId, wanted);
    if (acquired) return acquired;
    await this.restoreSlots(organizationId);
    return (await this.slots.acquire(organizationId, wanted)) ?? { leases: [], held: [] };
  }

  /**
   * Limits are not in Redis: first use, or Redis was emptied. PostgreSQL knows the limits and which
   * calls hold a slot; their leases are put back before the limits, so no slot is handed out twice.
   */
  private async restoreSlots(organizationId: string): Promise<void> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) return;
    const active: { lease_id: string }[] = await this.db.query(
      `SELECT lease_id FROM calls WHERE organization_id = $1 AND call_state IN ('dialing', 'ringing', 'ongoing') AND lease_id IS NOT NULL`,
      [organizationId],
    );
    await this.slots.renew(organizationId, active.map((call) => call.lease_id));
    await this.slots.setLimits(organizationId, { limit: organization.maxConcurrentCalls, external: organization.externalOngoingCalls });
  }

  /**
   * Moves up to one call per lease from queued to dialing, sharing the slots between the campaigns with
   * calls waiting by priority, weight and cap (claim_calls, in migration 1765400000000, says how; 1765600000000 adds a shortcut for one campaign), each
   * campaign's calls oldest first; one round trip. `held`: the leases the organization's calls hold.
   * Asynchronous commit is safe here: a claim lost in a crash leaves the call queued, and its dial job then
   * finds nothing to dial, because dialing starts with the durable dial-start UPDATE (see DialService).
   */
  private claim(organizationId: string, leases: string[], held: string[]): Promise<{ id: string; lease_id: string }[]> {
    return this.sql.claim(`SELECT call_id AS id, call_lease AS lease_id FROM claim_calls($1, $2, $3, $4)`, [organizationId, leases, held, this.clock.now()]);
  }
}
