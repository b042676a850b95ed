import { NOT_PLACED_YET } from '../campaigns/call.entity';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { outboxCtes } from '../webhooks/webhook-events';

/** Campaigns read per page. */
const BATCH = 100;

/**
 * Ends the calls of campaigns past their `expiresAt` that were never placed (queued, paused, scheduled,
 * retries waiting, or claimed but not dialed) as `expired`, and completes the campaign once every call has
 * ended. A call already placed runs to its end. Run by the scheduler on each tick, with its clock.
 */
@Injectable()
export class CampaignExpiryService {
  private readonly logger = new Logger(CampaignExpiryService.name);

  constructor(private readonly db: DataSource) {}

  /** Expires what is due at `now`; answers the organizations whose campaigns changed. */
  async expire(now: Date): Promise<string[]> {
    const organizations = new Set<string>();
    // Every due campaign on each pass (a page at a time): one whose last calls are still on the phone stays
    // due, since a retry scheduled when one of them ends must expire too.
    let after: { expires_at: Date; id: string } = { expires_at: new Date(0), id: '00000000-0000-0000-0000-000000000000' };
    for (;;) {
      const due: { id: string; expires_at: Date }[] = await this.db.query(
        `SELECT id, expires_at FROM call_requests
         WHERE completed_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $1 AND (expires_at, id) > ($2, $3)
         ORDER BY expires_at, id LIMIT $4`,
        [now, after.expires_at, after.id, BATCH],
      );
      for (const campaign of due) {
        const [changed]: { organization_id: string; expired: number }[] = await this.db.query(EXPIRE_SQL, [campaign.id]);
        if (changed) {
          this.logger.log(`campaign ${campaign.id} expired: ${changed.expired} calls never placed`);
          organizations.add(changed.organization_id);
        }
      }
      if (due.length < BATCH) return [...organizations];
      after = due[due.length - 1];
    }
  }
}

/**
 * One campaign's unplaced calls end as expired, counted like cancelled ones (a claimed call whose dial had
 * not started gives its claim back: its dial job then finds nothing to dial). The campaign completes when
 * nothing else runs; a campaign with calls still on the phone completes when they end.
 */
const EXPIRE_SQL = `
  WITH target AS (
    SELECT id, call_state = 'dialing' AS was_claimed FROM calls
    WHERE call_request_id = $1
      AND ${NOT_PLACED_YET}
    FOR UPDATE
  ), expired AS (
    UPDATE calls c SET call_state = 'ended', status = 'expired', failure_reason = 'the campaign expired before the call was placed',
      ended_at = now(), dialed_at = NULL, next_attempt_at = NULL, attempts = c.attempts - t.was_claimed::int, updated_at = now()
    FROM target t WHERE c.id = t.id
    RETURNING c.id, c.organization_id, t.was_claimed
  ), tally AS (
    SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT was_claimed)::int AS unclaimed FROM expired
  ), counted AS (
    UPDATE call_requests r SET
      ended_calls = ended_calls + t.n, dialed_calls = dialed_calls + t.unclaimed, expired_calls = expired_calls + t.n, version = r.version + 1,
      status = CASE WHEN ended_calls + t.n >= total_calls AND r.status <> 'cancelled' THEN 'completed' ELSE r.status END,
      completed_at = CASE WHEN ended_calls + t.n >= total_calls THEN now() ELSE completed_at END,
      updated_at = now()
    FROM tally t WHERE r.id = $1 AND r.completed_at IS NULL AND t.n > 0
    RETURNING r.id, r.organization_id, t.n, (r.completed_at IS NOT NULL AND r.status = 'completed') AS completed
  ), webhook_source AS (
    SELECT organization_id, $1::uuid AS call_request_id, id AS call_id, 'call.completed'::text AS type FROM expired
    UNION ALL
    SELECT organization_id, id, NULL, 'campaign.completed' FROM counted WHERE completed
  )${outboxCtes('webhook_source')}
  SELECT organization_id, n AS expired FROM counted`;
