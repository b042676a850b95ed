import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { HANGUP_CHANNEL, HangupRequest } from '../dispatcher/queue.constants';
import { Organization } from '../organizations/organization.entity';
import { RedisService } from '../redis/redis.service';
import { CallRequest } from './call-request.entity';
import { Call, NOT_PLACED_YET } from './call.entity';
import { CampaignView, toCampaignView, toDetailView } from './campaign-status.view';
import { CampaignsService } from './campaigns.service';
import { UpdateCampaignDto } from './update-campaign.dto';
import { outboxCtes } from '../webhooks/webhook-events';

/** CTEs writing `type`'s status callbacks for the campaign rows (id, organization_id) of CTE `changed`, in the statement that changed them. */
function campaignEvent(type: string, changed: string): string {
  return `webhook_source AS (SELECT organization_id, id AS call_request_id, NULL::uuid AS call_id, '${type}'::text AS type FROM ${changed})${outboxCtes('webhook_source')}`;
}

/** Calls that hold a slot and may be on the phone: what `hangup=true` ends. */
const IN_PROGRESS = `call_state IN ('dialing', 'ringing', 'ongoing') AND NOT (call_state = 'dialing' AND dial_started_at IS NULL)`;

/**
 * Pause, resume and cancel, for a campaign or one destination. Each is one statement on PostgreSQL,
 * where the dispatcher claims calls: a claimed call is one whose state left `queued`, and these only
 * touch calls that are queued, paused, scheduled, or claimed but not yet handed to the voice platform (the
 * dial starts with an UPDATE that requires exactly that state), so a call is dialed or cancelled,
 * never both. Every action is idempotent.
 */
@Injectable()
export class CampaignControlService {
  constructor(
    private readonly db: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly redis: RedisService,
    @InjectRepository(CallRequest) private readonly requests: Repository<CallRequest>,
    @InjectRepository(Call) private readonly calls: Repository<Call>,
  ) {}

  /** Stops releasing the campaign's calls; calls in progress finish. */
  async pause(organization: Organization, requestId: string): Promise<CampaignView> {
    const request = await this.requestOf(organization, requestId);
    if (request.status === 'completed' || request.status === 'cancelled') throw this.finished(request, 'paused');
    // Calls first, then the request: the dispatcher's claim locks in that order too (no deadlock).
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE calls SET call_state = 'paused', updated_at = now() WHERE call_request_id = $1 AND call_state = 'queued'`, [request.id]);
      // The version moves whatever changed: the calls above may have, even when the status was already paused.
      await tx.query(`UPDATE call_requests SET version = version + 1 WHERE id = $1`, [request.id]);
      await tx.query(
        `WITH changed AS (
           UPDATE call_requests SET status = 'paused', updated_at = now() WHERE id = $1 AND status IN ('submitted', 'onProgress') RETURNING id, organization_id
         ), ${campaignEvent('campaign.paused', 'changed')}
         SELECT 1`,
        [request.id],
      );
    });
    return this.viewOf(request.id);
  }

  /** Releases the paused calls again, in their original order. */
  async resume(organization: Organization, requestId: string): Promise<CampaignView> {
    const request = await this.requestOf(organization, requestId);
    if (request.status === 'completed' || request.status === 'cancelled') throw this.finished(request, 'resumed');
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE calls SET call_state = 'queued', updated_at = now() WHERE call_request_id = $1 AND call_state = 'paused'`, [request.id]);
      await tx.query(`UPDATE call_requests SET version = version + 1 WHERE id = $1`, [request.id]);
      await tx.query(
        `WITH changed AS (
           UPDATE call_requests SET status = CASE WHEN dialed_calls > 0 THEN 'onProgress' ELSE 'submitted' END, updated_at = now()
           WHERE id = $1 AND status = 'paused' RETURNING id, organization_id
         ), ${campaignEvent('campaign.resumed', 'changed')}
         SELECT 1`,
        [request.id],
      );
    });
    this.campaigns.wakeDispatchers(organization.id);
    return this.viewOf(request.id);
  }

  /**
   * Changes how the campaign shares the slots (priority, weight, cap) while it runs: the next claim uses
   * the new values, and the dispatchers look again at once (a higher priority or cap may use free slots now).
   */
  async reprioritize(organization: Organization, requestId: string, changes: UpdateCampaignDto): Promise<CampaignView> {
    const request = await this.requestOf(organization, requestId);
    if (request.status === 'completed' || request.status === 'cancelled') throw this.finished(request, 'changed');
    const given = Object.fromEntries(Object.entries({ priority: changes.priority, weight: changes.weight, maxConcurrentCalls: changes.maxConcurrentCalls }).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length > 0) await this.requests.update({ id: request.id }, { ...given, version: () => 'version + 1' });
    this.campaigns.wakeDispatchers(organization.id);
    return this.viewOf(request.id);
  }

  /** Cancels every call not yet dialed; with `hangup`, also ends the calls in progress. */
  async cancel(organization: Organization, requestId: string, hangup: boolean): Promise<CampaignView> {
    const request = await this.requestOf(organization, requestId);
    if (request.status === 'completed') throw this.finished(request, 'cancelled');
    await this.cancelCalls(request.id, null, 'cancelled before it was dialed');
    if (hangup) await this.hangUp(request.id, null);
    return this.viewOf(request.id);
  }

  /** Cancels one destination's call; one already in progress needs `hangup`. */
  async cancelDestination(organization: Organization, requestId: string, phone: string, hangup: boolean) {
    const request = await this.requestOf(organization, requestId);
    const call = await this.calls.findOneBy({ callRequestId: request.id, phone });
    if (!call) throw new NotFoundException(`No destination ${phone} in call request "${requestId}"`);
    await this.cancelCalls(request.id, call.id, 'cancelled before it was dialed');
    if (hangup) await this.hangUp(request.id, call.id);
    const now = await this.calls.findOneByOrFail({ id: call.id });
    if (!hangup && now.callState !== 'ended') {
      throw new ConflictException(`The call to ${phone} is in progress (${now.callState}); add ?hangup=true to end it`);
    }
    return toDetailView(requestId, now);
  }

  /**
   * Ends the not-yet-dialed calls (all of the campaign's, or one) as cancelled and counts them. A claimed
   * call whose dial has not started is included: its dial job then finds nothing to dial.
   */
  private async cancelCalls(callRequestId: string, callId: string | null, reason: string): Promise<void> {
    await this.db.query(
      `WITH target AS (
         SELECT id, call_state = 'dialing' AS was_claimed FROM calls
         WHERE call_request_id = $1 AND ($2::uuid IS NULL OR id = $2)
           AND ${NOT_PLACED_YET}
         FOR UPDATE
       ), cancelled AS (
         UPDATE calls c SET call_state = 'ended', status = 'cancelled', call_status = 'cancelled', failure_reason = $3,
           ended_at = now(), dialed_at = NULL, next_attempt_at = NULL, attempts = c.attempts - t.was_claimed::int, updated_at = now()
         FROM target t WHERE c.id = t.id
         RETURNING c.id, c.organization_id, t.was_claimed
       ), tally AS (
         SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT was_claimed)::int AS unclaimed FROM cancelled
       ), prior AS (
         SELECT status FROM call_requests WHERE id = $1
       ), counted AS (
         UPDATE call_requests r SET
           status = CASE WHEN $2::uuid IS NULL THEN 'cancelled' ELSE r.status END,
           ended_calls = ended_calls + t.n, dialed_calls = dialed_calls + t.unclaimed, cancelled_calls = cancelled_calls + t.n, version = r.version + 1,
           completed_at = CASE WHEN ended_calls + t.n >= total_calls THEN now() ELSE completed_at END,
           updated_at = now()
         FROM tally t WHERE r.id = $1
         RETURNING r.id, r.organization_id, r.status
       ), webhook_source AS (
         SELECT organization_id, $1::uuid AS call_request_id, id AS call_id, 'call.completed' AS type FROM cancelled
         UNION ALL
         SELECT c.organization_id, c.id, NULL, 'campaign.cancelled' FROM counted c, prior p WHERE c.status = 'cancelled' AND p.status <> 'cancelled'
       )${outboxCtes('webhook_source')}
       SELECT 1`,
      [callRequestId, callId, reason],
    );
    // A campaign whose last calls were cancelled one by one is complete, like one whose calls all ended.
    await this.db.query(
      `WITH changed AS (
         UPDATE call_requests SET status = 'completed', version = version + 1 WHERE id = $1 AND status IN ('submitted', 'onProgress', 'paused') AND ended_calls >= total_calls
         RETURNING id, organization_id
       ), ${campaignEvent('campaign.completed', 'changed')}
       SELECT 1`,
      [callRequestId],
    );
  }

  /** Asks the workers to hang up the calls in progress (every one of the campaign's, or one). */
  private async hangUp(callRequestId: string, callId: string | null): Promise<void> {
    const calls: { id: string; provider_call_id: string | null }[] = await this.db.query(
      `SELECT id, provider_call_id FROM calls WHERE call_request_id = $1 AND ($2::uuid IS NULL OR id = $2) AND ${IN_PROGRESS}`,
      [callRequestId, callId],
    );
    if (calls.length === 0) return;
    const message: HangupRequest = { calls: calls.map((call) => ({ callId: call.id, providerCallId: call.provider_call_id })) };
    await this.redis.publish(HANGUP_CHANNEL, JSON.stringify(message));
  }

  private async requestOf(organization: Organization, requestId: string): Promise<CallRequest> {
    const request = await this.campaigns.findRequest(organization.id, requestId);
    if (!request) throw new NotFoundException(`No call request "${requestId}"`);
    return request;
  }

  private async viewOf(id: string): Promise<CampaignView> {
    return toCampaignView(await this.requests.findOneByOrFail({ id }));
  }

  private finished(request: CallRequest, action: string): ConflictException {
    return new ConflictException(`Call request "${request.requestId}" is ${request.status}; it cannot be ${action}`);
  }
}
