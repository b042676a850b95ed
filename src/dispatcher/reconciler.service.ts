import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { StepRecord } from '../campaigns/call.entity';
import { StepName } from '../call-flow/call-flow.types';
import { FlowTemplatesCache } from '../call-flow/flow-templates-cache';
import { AdoptedProgress, OrphanState, VoiceProvider } from '../voice/voice-provider';
import { CallEventsService } from './call-events.service';
import { DialColumns, dialRequestOf } from './dial.service';
import { DispatcherService } from './dispatcher.service';
import { LeaseKeeper } from './lease-keeper.service';
import { SlotLeasesService } from './slot-leases.service';

interface Suspect extends DialColumns {
  id: string;
  organization_id: string;
  call_request_id: string;
  lease_id: string | null;
  provider_call_id: string | null;
  dial_started_at: Date | null;
  answered_at: Date | null;
  steps: StepRecord[];
  properties: Record<string, unknown>;
}

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
    private readonly provider: VoiceProvider,
    private readonly leaseKeeper: LeaseKeeper,
    private readonly templates: FlowTemplatesCache,
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
   * dial job was lost with Redis). If the voice platform was never asked to dial it, it goes back to the
   * queue. If it was, the platform is asked what became of it: a call it never placed is queued again; a
   * call it placed (running, or over meanwhile) is taken over by this worker, which follows it to its end
   * from the platform's view; when the platform cannot tell (the simulator, whose calls die with their
   * worker), the call is recorded as failed rather than risk a second dial.
   */
  private async recoverCallsOfDeadWorkers(): Promise<void> {
    const suspects: Suspect[] = await this.db.query(
      `SELECT c.id, c.organization_id, c.call_request_id, c.lease_id, c.provider_call_id, c.dial_started_at, c.answered_at, c.steps,
              c.phone, c.caller, c.properties, r.call_flow, r.enable_call_recording, r.machine_detection
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id
       WHERE c.call_state IN ('dialing', 'ringing', 'ongoing') AND c.updated_at < now() - make_interval(secs => $1::float / 1000)`,
      [this.slots.leaseTtlMs],
    );
    for (const call of suspects) {
      if (call.lease_id && (await this.slots.isHeld(call.organization_id, call.lease_id))) continue;
      if (!call.dial_started_at) {
        if (await this.requeue(call, false)) {
          this.logger.warn(`call ${call.id} was claimed but never dialed; back in the queue`);
          this.dispatcher.wake(call.organization_id);
        }
        continue;
      }
      let orphan: OrphanState;
      try {
        orphan = await this.provider.findOrphan({ callId: call.id, phone: call.phone, providerCallId: call.provider_call_id, dialStartedAt: call.dial_started_at });
      } catch (error) {
        this.logger.warn(`call ${call.id} lost its worker; the voice platform could not say what became of it (${error}); asking again later`);
        continue;
      }
      if (orphan.state === 'never-placed') {
        if (await this.requeue(call, true)) {
          this.logger.warn(`call ${call.id} lost its worker before the voice platform placed it; back in the queue`);
          this.dispatcher.wake(call.organization_id);
        }
        continue;
      }
      if (orphan.state === 'placed') {
        await this.adopt(call, orphan.providerCallId);
        continue;
      }
      this.logger.warn(`call ${call.id} lost its worker; marking it failed`);
      await this.callEvents.enqueue({ type: 'ended', callId: call.id, at: new Date(), outcome: 'failed', reason: 'lost: the worker running this call stopped' });
    }
  }

  /**
   * Takes over a call the platform placed: a slot for it (it uses a line whatever the limit says), the
   * call under this worker's new lease (one conditional UPDATE, so a single worker takes it), then the
   * platform adapter follows it from the platform's view.
   */
  private async adopt(call: Suspect, providerCallId: string): Promise<void> {
    const leaseId = await this.slots.takeForRunningCall(call.organization_id);
    const taken = await this.db.query(
      `WITH taken AS (
         UPDATE calls SET lease_id = $3, provider_call_id = $4, updated_at = now(),
           monitor_data = CASE WHEN provider_call_id IS NULL
             THEN jsonb_build_array(jsonb_build_object('uuid', $4::text, 'type', 'outbound', 'dest', phone)) || monitor_data ELSE monitor_data END
         WHERE id = $1 AND call_state IN ('dialing', 'ringing', 'ongoing') AND lease_id IS NOT DISTINCT FROM $2
         RETURNING id, call_request_id
       ), versioned AS (
         UPDATE call_requests r SET version = r.version + 1 FROM taken t WHERE r.id = t.call_request_id
       )
       SELECT id FROM taken`,
      [call.id, call.lease_id, leaseId, providerCallId],
    );
    if (taken.length === 0) {
      await this.slots.release(call.organization_id, [leaseId]); // another worker took it first
      return;
    }
    this.leaseKeeper.hold(call.id, call.organization_id, leaseId);
    const { messages } = this.templates.get(call.call_request_id, call.call_flow).render(call.properties);
    this.logger.warn(`call ${call.id} lost its worker; following MessageBird's call ${providerCallId} from here`);
    this.provider.adopt(dialRequestOf(call.id, call, messages ?? []), providerCallId, progressOf(call));
  }

  /** Back to the queue: a call whose dial never started, or (`unplaced`) one the platform never placed. */
  private async requeue(call: Suspect, unplaced: boolean): Promise<boolean> {
    const rows = await this.db.query(
      `WITH requeued AS (
         UPDATE calls c SET call_state = CASE WHEN r.status = 'paused' THEN 'paused' ELSE 'queued' END, status = 'queued',
           lease_id = NULL, dialed_at = NULL, dial_started_at = NULL, attempts = c.attempts - 1, updated_at = now()
         FROM call_requests r
         WHERE c.id = $1 AND r.id = c.call_request_id AND c.call_state = 'dialing' AND c.lease_id IS NOT DISTINCT FROM $2
           AND c.provider_call_id IS NULL AND (c.dial_started_at IS NULL OR $3)
         RETURNING c.call_request_id
       ), uncounted AS (
         UPDATE call_requests r SET dialed_calls = dialed_calls - 1, version = r.version + 1, updated_at = now()
         FROM requeued q WHERE r.id = q.call_request_id
       )
       SELECT 1 FROM requeued`,
      [call.id, call.lease_id, unplaced],
    );
    return rows.length > 0;
  }
}

/** What PostgreSQL recorded of a call that is taken over: answered or not, and the step still in progress. */
function progressOf(call: Suspect): AdoptedProgress {
  const seq = call.steps.length - 1;
  const last = call.steps[seq];
  const openStep =
    last && last.info.status === 'in_progress'
      ? { type: 'step-started' as const, callId: call.id, at: new Date(last.startedAt), seq, stepName: last.stepName as StepName, path: last.path, ...(last.info.message !== undefined && { message: last.info.message }) }
      : undefined;
  return { answered: call.answered_at !== null, stepsRecorded: call.steps.length, ...(openStep && { openStep }) };
}
