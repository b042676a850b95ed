import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { StepRecord } from '../campaigns/call.entity';
import { Clock } from '../common/clock';
import { RetryPolicy, retryDelayMs } from '../compliance/retry-policy';
import { CallOutcome, endedAtOf, VoiceEvent, VoiceProvider } from '../voice/voice-provider';
import { observeEventApplied } from '../metrics/metrics';
import { LeaseKeeper } from './lease-keeper.service';
import { CallSql } from './call-sql';
import { isConnectionError } from '../database/pg-pool-errors';
import { outboxCtes } from '../webhooks/webhook-events';
import { funnelUpsertCte } from '../funnel/funnel-counters';

const SHUTDOWN_DRAIN_MS = 5000;
/** How long an event is retried while PostgreSQL cannot be reached. */
const OUTAGE_RETRY_MS = 30_000;
const RETRIED_OUTCOMES = new Set<CallOutcome>(['busy', 'no_answer', 'failed']);
/**
 * An UPDATE that moves the version of the campaigns of the calls a CTE `source` wrote (rows with call_request_id),
 * for the writes that do not touch the campaign's row otherwise: the status page's ETag changes with them.
 */
const BUMP_VERSION = (source: string) => `UPDATE call_requests r SET version = r.version + 1 FROM ${source} s WHERE r.id = s.call_request_id`;

/**
 * Applies the voice platform's normalized events to the calls table. Transitions only move forward,
 * and applying an event twice changes nothing, so duplicated or late events are harmless.
 */
@Injectable()
export class CallEventsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallEventsService.name);
  /** Events of one call are applied one after the other, in the order this process received them. */
  private readonly chains = new Map<string, Promise<void>>();
  private subscription?: Subscription;
  /** Set at shutdown: events are no longer retried through a PostgreSQL outage. */
  private stopping = false;

  constructor(
    private readonly sql: CallSql,
    private readonly provider: VoiceProvider,
    private readonly leases: LeaseKeeper,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.subscription = this.provider.events.subscribe((event) => void this.enqueue(event));
  }

  /** Runs after the voice provider has hung up its calls (module destroy): their last events are written. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
    while (this.chains.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.chains.values()]), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    this.subscription?.unsubscribe();
  }

  enqueue(event: VoiceEvent): Promise<void> {
    // The slot is free the moment the platform says the call ended: hand it back before bookkeeping.
    const lease = event.type === 'ended' ? this.leases.take(event.callId) : undefined;
    if (lease) void this.leases.release(lease.organizationId, lease.leaseId).catch((error) => this.logger.error(`slot release failed: ${error}`));
    const previous = this.chains.get(event.callId) ?? Promise.resolve();
    const next = previous
      .then(() => this.applyThroughOutages(event, lease !== undefined))
      .then(() => observeEventApplied(event))
      .catch((error) => this.logger.error(`event ${event.type} of call ${event.callId} not applied: ${error?.stack ?? error}`))
      .finally(() => {
        if (this.chains.get(event.callId) === next) this.chains.delete(event.callId);
      });
    this.chains.set(event.callId, next);
    return next;
  }

  /**
   * Applies the event, and while PostgreSQL cannot be reached (a restart, a failover) tries again with a
   * growing wait, for up to OUTAGE_RETRY_MS: an outage of a few seconds then loses no call's progress or end
   * (without it, a call that ended during the outage was recorded as lost once its lease expired).
   */
  private async applyThroughOutages(event: VoiceEvent, slotReleased: boolean): Promise<void> {
    const deadline = Date.now() + OUTAGE_RETRY_MS;
    for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
      try {
        return await this.apply(event, slotReleased);
      } catch (error) {
        if (!isConnectionError(error) || Date.now() + wait > deadline || this.stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** `slotReleased`: the call's lease was already handed back by this process. */
  async apply(event: VoiceEvent, slotReleased = false): Promise<void> {
    switch (event.type) {
      // The campaign's version (the ETag of its status page) moves in the same statement: a CTE, no round trip.
      case 'ringing':
        await this.sql.progress(
          `WITH moved AS (UPDATE calls SET call_state = 'ringing', updated_at = now() WHERE id = $1 AND call_state = 'dialing' RETURNING call_request_id)
           ${BUMP_VERSION('moved')}`,
          [event.callId],
        );
        return;
      case 'answered':
        await this.sql.progress(
          `WITH moved AS (
             UPDATE calls SET call_state = 'ongoing', answered_at = $2, updated_at = now() WHERE id = $1 AND call_state IN ('dialing', 'ringing')
             RETURNING call_request_id
           )
           ${BUMP_VERSION('moved')}`,
          [event.callId, event.at],
        );
        return;
      case 'step-started':
      case 'step-finished':
        await this.recordStep(event);
        return;
      case 'transcription':
        await this.recordTranscription(event);
        return;
      case 'ended':
        await this.endCall(event.callId, endedAtOf(event), event.outcome, event.reason ?? null, slotReleased);
        return;
    }
  }

  /**
   * Step seq N is appended when the list has N entries; a finished report replaces an in-progress one.
   * A started report that comes after its finished one, or twice, changes nothing.
   */
  private async recordStep(event: Extract<VoiceEvent, { type: 'step-started' | 'step-finished' }>): Promise<void> {
    const finished = event.type === 'step-finished';
    // A recording with nothing in it is no message: the step is `no_input`, without a recording.
    const recording = finished && event.recording && event.recording.durationSeconds > 0 ? event.recording : undefined;
    const record: StepRecord = {
      stepName: event.stepName,
      path: event.path,
      startedAt: event.at.toISOString(),
      endedAt: finished ? event.at.toISOString() : null,
      info: {
        call_state: finished && event.status === 'interrupted' ? 'ended' : 'ongoing',
        call_status: 'answered',
        status: finished ? event.status : 'in_progress',
        userPressedDigits: (finished && event.userPressedDigits) || '',
        transfer_status: (finished && event.transferStatus) || null,
        ...(event.message !== undefined && { message: event.message }),
        ...(finished && event.optOut && { optOut: true }),
        ...(recording && { recording: { ...recording, status: 'done' as const } }),
        ...(recording && finished && event.transcriptionPending && { transcription: { status: 'pending' as const, text: null } }),
      },
    };
    const leg = finished && event.leg ? JSON.stringify([event.leg]) : '[]';
    if (finished && event.optOut) await this.optOut(event.callId);
    if (recording) await this.countLeftMessage(event.callId);
    // The funnel moves in the same statement, by what the write changed at seq (nothing for a replay).
    await this.sql.progress(
      `WITH old AS (
         SELECT id, call_request_id, steps -> ($2::int) AS step FROM calls WHERE id = $1 FOR UPDATE
       ), written AS (
         UPDATE calls c SET
           steps = CASE
             WHEN jsonb_array_length(c.steps) = $2 THEN c.steps || jsonb_build_array($3::jsonb)
             WHEN $4 AND jsonb_array_length(c.steps) > $2 AND c.steps -> $2 -> 'info' ->> 'status' = 'in_progress'
               THEN jsonb_set(c.steps, ARRAY[$2::text], ($3::jsonb) || jsonb_build_object('startedAt', c.steps -> $2 -> 'startedAt'))
             ELSE c.steps END,
           monitor_data = c.monitor_data || $5::jsonb,
           updated_at = now()
         FROM old WHERE c.id = old.id
         RETURNING c.call_request_id, c.steps -> ($2::int) AS step
       ), versioned AS (${BUMP_VERSION('written')}
       ), ${funnelUpsertCte('funnel', `SELECT call_request_id, step, 1 AS delta FROM written UNION ALL SELECT old.call_request_id, old.step, -1 FROM old JOIN written ON true`)}
       SELECT 1`,
      [event.callId, event.seq, JSON.stringify(record), finished, leg],
    );
  }

  /** The first message a call leaves counts once on its campaign. */
  private async countLeftMessage(callId: string): Promise<void> {
    await this.sql.progress(
      `WITH marked AS (UPDATE calls SET left_message = true WHERE id = $1 AND NOT left_message RETURNING call_request_id)
       UPDATE call_requests r SET left_message_calls = left_message_calls + 1, version = r.version + 1, updated_at = now() FROM marked m WHERE r.id = m.call_request_id`,
      [callId],
    );
  }

  /**
   * A transcription lands on the record step that made its recording (matched by the recording's id, so a
   * late one never lands on a later attempt's step), once; it may come long after the call ended.
   */
  private async recordTranscription(event: Extract<VoiceEvent, { type: 'transcription' }>): Promise<void> {
    const transcription = { status: event.status, text: event.status === 'done' ? (event.text ?? '') : null };
    await this.sql.progress(
      `WITH old AS (
         SELECT id, call_request_id, steps -> ($2::int) AS step FROM calls WHERE id = $1 FOR UPDATE
       ), written AS (
         UPDATE calls c SET steps = jsonb_set(c.steps, ARRAY[$2::text, 'info', 'transcription'], $4::jsonb), updated_at = now()
         FROM old WHERE c.id = old.id AND c.steps -> ($2::int) -> 'info' -> 'recording' ->> 'id' = $3
           AND coalesce(c.steps -> ($2::int) -> 'info' -> 'transcription' ->> 'status', 'pending') = 'pending'
         RETURNING c.call_request_id, c.steps -> ($2::int) AS step
       ), versioned AS (${BUMP_VERSION('written')}
       ), ${funnelUpsertCte('funnel', `SELECT call_request_id, step, 1 AS delta FROM written UNION ALL SELECT old.call_request_id, old.step, -1 FROM old JOIN written ON true`)}
       SELECT 1`,
      [event.callId, event.seq, event.recordingId, JSON.stringify(transcription)],
    );
  }

  /** The callee chose to opt out: the number goes on the organization's do-not-call list at once. */
  private async optOut(callId: string): Promise<void> {
    await this.sql.progress(
      `INSERT INTO do_not_call (organization_id, phone, source) SELECT organization_id, phone, 'opt-out' FROM calls WHERE id = $1 ON CONFLICT DO NOTHING`,
      [callId],
    );
  }

  /**
   * A busy, unanswered or failed call whose campaign retries that outcome, with attempts left, is
   * scheduled again (its attempt kept in attemptHistory); any other call ends once. The same statement
   * writes the status callbacks' outbox (call.completed, and campaign.completed for the last call) when
   * anyone listens: the events are exactly as durable as the end they tell of.
   */
  private async endCall(callId: string, at: Date | string, outcome: CallOutcome, reason: string | null, slotReleased: boolean): Promise<void> {
    if (RETRIED_OUTCOMES.has(outcome) && (await this.retry(callId, at, outcome, reason, slotReleased))) return;
    const rows = await this.sql.progress<{ organization_id: string; lease_id: string | null }>(
      `WITH ended AS (
         UPDATE calls SET call_state = 'ended', call_status = $3,
           status = CASE WHEN $3 = 'cancelled' THEN 'cancelled' ELSE 'completed' END,
           ended_at = $2, failure_reason = $4, updated_at = now()
         WHERE id = $1 AND call_state <> 'ended'
         RETURNING id, call_request_id, organization_id, lease_id, (dialed_at IS NOT NULL) AS was_dialed, left_message
       ), counted AS (
         UPDATE call_requests r SET
           ended_calls = ended_calls + 1, version = r.version + 1,
           dialed_calls = dialed_calls + (NOT e.was_dialed)::int,
           answered_calls = answered_calls + ($3 = 'answered')::int,
           busy_calls = busy_calls + ($3 = 'busy')::int,
           no_answer_calls = no_answer_calls + ($3 = 'no_answer')::int,
           failed_calls = failed_calls + ($3 = 'failed')::int,
           cancelled_calls = cancelled_calls + ($3 = 'cancelled')::int,
           status = CASE WHEN ended_calls + 1 >= total_calls AND status <> 'cancelled' THEN 'completed' ELSE status END,
           completed_at = CASE WHEN ended_calls + 1 >= total_calls THEN now() ELSE completed_at END,
           updated_at = now()
         FROM ended e WHERE r.id = e.call_request_id
         RETURNING r.id, r.organization_id, e.id AS call_id, (r.status = 'completed' AND r.ended_calls = r.total_calls) AS just_completed,
           (e.left_message AND NOT r.enable_call_recording) AS recording_ready
       ), webhook_source AS (
         SELECT organization_id, id AS call_request_id, call_id, 'call.completed' AS type FROM counted
         UNION ALL
         SELECT organization_id, id, call_id, 'recording.ready' FROM counted WHERE recording_ready
         UNION ALL
         SELECT organization_id, id, NULL, 'campaign.completed' FROM counted WHERE just_completed
       )${outboxCtes('webhook_source')}
       SELECT organization_id, lease_id FROM ended`,
      [callId, at, outcome, reason],
    );
    if (rows.length === 0 || slotReleased) return;
    const { organization_id: organizationId, lease_id: leaseId } = rows[0];
    if (leaseId) await this.leases.release(organizationId, leaseId);
  }

  private async retry(callId: string, at: Date | string, outcome: CallOutcome, reason: string | null, slotReleased: boolean): Promise<boolean> {
    const [call] = await this.sql.progress<{ attempts: number; organization_id: string; lease_id: string | null; retry_policy: RetryPolicy | null }>(
      `SELECT c.attempts, c.organization_id, c.lease_id, r.retry_policy FROM calls c JOIN call_requests r ON r.id = c.call_request_id
       WHERE c.id = $1 AND c.call_state IN ('dialing', 'ringing', 'ongoing') AND r.status <> 'cancelled'`,
      [callId],
    );
    const delayMs = call && retryDelayMs(call.retry_policy, outcome, call.attempts, Math.random());
    if (!call || delayMs === null) return false;
    // The cleared steps leave the funnel in the same statement: it counts each call's current attempt.
    const retried = await this.sql.progress(
      `WITH old AS (
         SELECT id, call_request_id, steps FROM calls WHERE id = $1 AND call_state IN ('dialing', 'ringing', 'ongoing') FOR UPDATE
       ), retried AS (
         UPDATE calls c SET call_state = 'scheduled', status = 'scheduled', next_attempt_at = $2, call_status = NULL,
           attempt_history = c.attempt_history || jsonb_build_array(jsonb_build_object(
             'attempt', c.attempts, 'outcome', $3::text, 'dialedAt', c.dialed_at, 'endedAt', $4::timestamptz, 'reason', $5::text)),
           lease_id = NULL, dial_started_at = NULL, dialed_at = NULL, answered_at = NULL, provider_call_id = NULL,
           failure_reason = NULL, steps = '[]', updated_at = now()
         FROM old WHERE c.id = old.id AND c.call_state IN ('dialing', 'ringing', 'ongoing')
         RETURNING c.call_request_id
       ), uncounted AS (
         UPDATE call_requests r SET dialed_calls = dialed_calls - 1, version = r.version + 1, updated_at = now() FROM retried q WHERE r.id = q.call_request_id
       ), ${funnelUpsertCte('funnel', `SELECT old.call_request_id, s.step, -1 AS delta FROM old JOIN retried ON true CROSS JOIN LATERAL jsonb_array_elements(old.steps) AS s(step)`)}
       SELECT 1 FROM retried`,
      [callId, new Date(this.clock.now().getTime() + delayMs), outcome, at, reason],
    );
    if (retried.length > 0 && !slotReleased && call.lease_id) await this.leases.release(call.organization_id, call.lease_id);
    return retried.length > 0;
  }
}
