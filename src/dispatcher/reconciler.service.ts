import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { CallEventsService } from './call-events.service';
import { DispatcherService } from './dispatcher.service';
import { SlotLeasesService } from './slot-leases.service';

/**
 * The safety net: gives up on calls whose worker died (their slot lease expired) and wakes dispatchers
 * in case a wake-up was lost. Everything it needs is in PostgreSQL, so it also rebuilds after Redis is emptied.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly db: DataSource,
    private readonly slots: SlotLeasesService,
    private readonly callEvents: CallEventsService,
    private readonly dispatcher: DispatcherService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async reconcile(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.recoverCallsOfDeadWorkers();
      await this.dispatcher.sweep();
    } catch (error) {
      this.logger.error(`reconcile failed: ${(error as Error)?.stack ?? error}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * A call holding no live lease and silent for longer than a lease lives has lost its worker (or its
   * dial job was lost with Redis). If the voice platform was never asked to dial it, it goes back to
   * the queue; otherwise it may have rung, so it is recorded as failed rather than risk a second dial.
   */
  private async recoverCallsOfDeadWorkers(): Promise<void> {
    const suspects: { id: string; organization_id: string; lease_id: string | null; dial_started: boolean }[] = await this.db.query(
      `SELECT id, organization_id, lease_id, dial_started_at IS NOT NULL AS dial_started FROM calls
       WHERE call_state IN ('dialing', 'ringing', 'ongoing') AND updated_at < now() - make_interval(secs => $1::float / 1000)`,
      [this.slots.leaseTtlMs],
    );
    for (const call of suspects) {
      if (call.lease_id && (await this.slots.isHeld(call.organization_id, call.lease_id))) continue;
      if (!call.dial_started && (await this.requeue(call.id))) {
        this.logger.warn(`call ${call.id} was claimed but never dialed; back in the queue`);
        this.dispatcher.wake(call.organization_id);
        continue;
      }
      this.logger.warn(`call ${call.id} lost its worker; marking it failed`);
      await this.callEvents.enqueue({ type: 'ended', callId: call.id, at: new Date(), outcome: 'failed', reason: 'lost: the worker running this call stopped' });
    }
  }

  private async requeue(callId: string): Promise<boolean> {
    const rows = await this.db.query(
      `WITH requeued AS (
         UPDATE calls c SET call_state = CASE WHEN r.status = 'paused' THEN 'paused' ELSE 'queued' END, status = 'queued',
           lease_id = NULL, dialed_at = NULL, attempts = c.attempts - 1, updated_at = now()
         FROM call_requests r
         WHERE c.id = $1 AND r.id = c.call_request_id AND c.call_state = 'dialing' AND c.dial_started_at IS NULL
         RETURNING c.call_request_id
       ), uncounted AS (
         UPDATE call_requests r SET dialed_calls = dialed_calls - 1, updated_at = now()
         FROM requeued q WHERE r.id = q.call_request_id
       )
       SELECT 1 FROM requeued`,
      [callId],
    );
    return rows.length > 0;
  }
}
