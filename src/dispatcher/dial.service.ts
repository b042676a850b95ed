import { Injectable, Logger } from '@nestjs/common';
import { outboxCtes } from '../webhooks/webhook-events';
import { CallFlow } from '../call-flow/call-flow.types';
import { FlowTemplatesCache } from '../call-flow/flow-templates-cache';
import { MachineDetection } from '../voice/machine-detection';
import { DialRequest, VoiceProvider } from '../voice/voice-provider';
import { dialFailuresTotal, dialsTotal } from '../metrics/metrics';
import { SUPPRESSED_REASON } from '../compliance/do-not-call.service';
import { CallEventsService } from './call-events.service';
import { CallHangupsService } from './call-hangups.service';
import { DialGate, DialRules } from './dial-gate.service';
import { LeaseKeeper } from './lease-keeper.service';
import { CallSql } from './call-sql';
import { DialJobData } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';

/** The columns of a call and its campaign that say what to dial. */
export interface DialColumns {
  phone: string;
  caller: string;
  call_flow: CallFlow;
  enable_call_recording: boolean;
  machine_detection: MachineDetection | null;
}

/** What the voice platform is asked to dial (or to take over), with the messages rendered for this destination. */
export function dialRequestOf(callId: string, call: DialColumns, messages: string[]): DialRequest {
  return {
    callId,
    phone: call.phone,
    caller: call.caller,
    flow: call.call_flow,
    messages,
    enableCallRecording: call.enable_call_recording,
    machineDetection: call.machine_detection,
  };
}

/** Places one claimed call on the voice platform. */
@Injectable()
export class DialService {
  private readonly logger = new Logger(DialService.name);

  constructor(
    private readonly sql: CallSql,
    private readonly provider: VoiceProvider,
    private readonly slots: SlotLeasesService,
    private readonly leaseKeeper: LeaseKeeper,
    private readonly callEvents: CallEventsService,
    private readonly templates: FlowTemplatesCache,
    private readonly hangups: CallHangupsService,
    private readonly gate: DialGate,
  ) {}

  async dial({ callId, organizationId, leaseId, leasedAt }: DialJobData): Promise<void> {
    // A job that waited longer than its lease lives may have lost its slot to another call: it must
    // not dial (the reconciler puts such a call back in the queue). A fresh job's lease is surely alive,
    // and the keeper renews it from here on, so only an old one is checked (a round trip saved per call).
    const fresh = Date.now() - leasedAt < this.slots.leaseTtlMs / 3;
    if (!fresh && !(await this.slots.extendIfHeld(organizationId, leaseId))) {
      this.logger.warn(`call ${callId}: its slot lease expired before it could be dialed; left to the reconciler`);
      return;
    }
    this.leaseKeeper.hold(callId, organizationId, leaseId);
    try {
      await this.startAndDial(callId, organizationId, leaseId);
    } catch (error) {
      // PostgreSQL failed before the platform was asked to dial (an outage): the slot goes back, so the
      // reconciler settles the call later (queued again if its dial start did not commit). Kept, the
      // keeper would renew the lease forever and the call would never be looked at again.
      if (this.leaseKeeper.take(callId)) await this.leaseKeeper.release(organizationId, leaseId).catch(() => undefined);
      throw error;
    }
  }

  /** The durable dial start, the calling rules, then the dial; the lease is the keeper's from here on once the platform has the call. */
  private async startAndDial(callId: string, organizationId: string, leaseId: string): Promise<void> {
    const rows: Array<DialRules & DialColumns & { properties: Record<string, unknown>; call_request_id: string }> = await this.sql.durable(
      `WITH started AS (
         UPDATE calls c SET dial_started_at = clock_timestamp(), updated_at = now()
         FROM call_requests r, organizations o
         WHERE c.id = $1 AND r.id = c.call_request_id AND o.id = c.organization_id
           AND c.call_state = 'dialing' AND c.lease_id = $2 AND c.dial_started_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM do_not_call d WHERE d.organization_id = c.organization_id AND d.phone = c.phone)
         RETURNING c.organization_id, c.phone, c.caller, c.properties, c.call_request_id, c.time_zones, r.call_flow, r.enable_call_recording, r.machine_detection,
           r.calling_hours AS campaign_hours, o.calling_hours AS organization_hours, o.calls_per_second::float8 AS calls_per_second,
           o.max_calls_per_number_per_day
       )
       SELECT * FROM started`,
      [callId, leaseId],
    );
    if (rows.length === 0) {
      this.leaseKeeper.take(callId);
      if (await this.suppressIfListed(callId, leaseId)) {
        this.logger.log(`call ${callId}: the number was put on the do-not-call list; not dialed`);
      } else {
        // Already ended, dialed, or handed to another lease: never dial twice.
        this.logger.warn(`call ${callId} is no longer waiting for this dial; skipped`);
      }
      await this.leaseKeeper.release(organizationId, leaseId);
      return;
    }
    const call = rows[0];
    const gate = await this.gate.check(call);
    if (!gate.dial) {
      await this.defer(callId, gate.until);
      this.leaseKeeper.take(callId);
      await this.leaseKeeper.release(organizationId, leaseId);
      this.logger.debug(`call ${callId} deferred to ${gate.until.toISOString()}: ${gate.reason}`);
      return;
    }
    let providerCallId: string;
    try {
      const { messages, error } = this.templates.get(call.call_request_id, call.call_flow).render(call.properties);
      if (!messages) throw new Error(`messages cannot be rendered: ${error?.message}`);
      ({ providerCallId } = await this.provider.dial(dialRequestOf(callId, call, messages)));
    } catch (error) {
      dialFailuresTotal.inc({ organization: organizationId });
      this.logger.warn(`dialing call ${callId} failed: ${error}`);
      await this.callEvents.enqueue({ type: 'ended', callId, at: new Date(), outcome: 'failed', reason: `dial failed: ${(error as Error)?.message ?? error}` });
      return;
    }
    dialsTotal.inc({ organization: organizationId });
    // Cancelled with hang-up while the platform was placing it: end it now.
    if (this.hangups.takePending(callId)) await this.provider.hangup(providerCallId);
    await this.sql
      .progress(
        `WITH stored AS (
           UPDATE calls SET provider_call_id = $2, monitor_data = jsonb_build_array(jsonb_build_object('uuid', $2::text, 'type', 'outbound', 'dest', phone)) || monitor_data,
             updated_at = now() WHERE id = $1 RETURNING call_request_id
         )
         UPDATE call_requests r SET version = r.version + 1 FROM stored s WHERE r.id = s.call_request_id`,
        [callId, providerCallId],
      )
      // The call is under way: its events and its end go on (the keeper keeps its lease); only the id is not stored.
      .catch((error) => this.logger.warn(`call ${callId}: its platform call id ${providerCallId} could not be stored: ${error}`));
  }

  /** Not now (calling hours, daily cap): back to scheduled, as if it had never been claimed. */
  private async defer(callId: string, until: Date): Promise<void> {
    await this.sql.durable(
      `WITH deferred AS (
         UPDATE calls SET call_state = 'scheduled', status = 'scheduled', next_attempt_at = $2, dial_started_at = NULL, dialed_at = NULL,
           lease_id = NULL, attempts = attempts - 1, updated_at = now()
         WHERE id = $1 AND call_state = 'dialing'
         RETURNING call_request_id
       ), uncounted AS (
         UPDATE call_requests r SET dialed_calls = dialed_calls - 1, version = r.version + 1, updated_at = now() FROM deferred d WHERE r.id = d.call_request_id
       )
       SELECT 1 FROM deferred`,
      [callId, until],
    );
  }

  /** A claimed call whose number is now on the do-not-call list ends as suppressed, never dialed. */
  private async suppressIfListed(callId: string, leaseId: string): Promise<boolean> {
    const rows = await this.sql.progress(
      `WITH suppressed AS (
         UPDATE calls c SET call_state = 'ended', status = 'suppressed', failure_reason = $3, ended_at = now(), updated_at = now()
         WHERE c.id = $1 AND c.call_state = 'dialing' AND c.lease_id = $2 AND c.dial_started_at IS NULL
           AND EXISTS (SELECT 1 FROM do_not_call d WHERE d.organization_id = c.organization_id AND d.phone = c.phone)
         RETURNING c.id, c.call_request_id
       ), counted AS (
         UPDATE call_requests r SET suppressed_calls = suppressed_calls + 1, ended_calls = ended_calls + 1, version = r.version + 1,
           status = CASE WHEN ended_calls + 1 >= total_calls AND status <> 'cancelled' THEN 'completed' ELSE status END,
           completed_at = CASE WHEN ended_calls + 1 >= total_calls THEN now() ELSE completed_at END, updated_at = now()
         FROM suppressed s WHERE r.id = s.call_request_id
         RETURNING r.id, r.organization_id, s.id AS call_id, (r.status = 'completed' AND r.ended_calls = r.total_calls) AS just_completed
       ), webhook_source AS (
         -- Status callbacks, as when a call ends (CallEventsService.endCall).
         SELECT organization_id, id AS call_request_id, call_id, 'call.completed'::text AS type FROM counted
         UNION ALL
         SELECT organization_id, id, NULL, 'campaign.completed' FROM counted WHERE just_completed
       )${outboxCtes('webhook_source')}
       SELECT 1 FROM suppressed`,
      [callId, leaseId, SUPPRESSED_REASON],
    );
    return rows.length > 0;
  }
}
