import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several campaigns sharing an organization's slots (README "Several campaigns at once"): each campaign's
 * priority, weight, cap, start and expiry; the organization's queueing mode; the claim as a function
 * (claim_calls), which walks each unfinished campaign's queue (ix_calls_campaign_queue) and counts the slots
 * each holds (ix_calls_campaign_active, at most the organization's limit of rows), instead of the
 * organization's one queue.
 */
export class CampaignSharing1765400000000 implements MigrationInterface {
  name = 'CampaignSharing1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE call_requests
        ADD COLUMN priority smallint NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
        ADD COLUMN weight int NOT NULL DEFAULT 1 CHECK (weight >= 1),
        ADD COLUMN max_concurrent_calls int CHECK (max_concurrent_calls >= 1),
        ADD COLUMN start_at timestamptz,
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN expired_calls int NOT NULL DEFAULT 0`);
    await db.query(`ALTER TABLE organizations ADD COLUMN queueing text NOT NULL DEFAULT 'fair' CHECK (queueing IN ('fair', 'fifo'))`);
    await db.query(`CREATE INDEX ix_calls_campaign_queue ON calls (call_request_id, seq) WHERE call_state = 'queued'`);
    await db.query(`CREATE INDEX ix_calls_campaign_active ON calls (call_request_id) WHERE call_state IN ('dialing', 'ringing', 'ongoing')`);
    await db.query(`CREATE INDEX ix_call_requests_expiring ON call_requests (expires_at) WHERE completed_at IS NULL AND expires_at IS NOT NULL`);
    await db.query(CLAIM_CALLS);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION claim_calls(uuid, text[], text[], timestamptz)`);
    await db.query(`DROP INDEX ix_call_requests_expiring`);
    await db.query(`DROP INDEX ix_calls_campaign_active`);
    await db.query(`DROP INDEX ix_calls_campaign_queue`);
    await db.query(`ALTER TABLE organizations DROP COLUMN queueing`);
    await db.query(`ALTER TABLE call_requests DROP COLUMN priority, DROP COLUMN weight, DROP COLUMN max_concurrent_calls, DROP COLUMN start_at, DROP COLUMN expires_at, DROP COLUMN expired_calls`);
  }
}

/**
 * The dispatcher's claim, in one round trip (src/dispatcher/dispatcher.service.ts): moves up to one call per
 * lease in p_leases from queued to dialing, and answers them with their lease.
 *
 * Claims of one organization run one at a time, from any process: the advisory lock is taken first, and the
 * statement after it sees what the previous claim committed (a function's statements each take a snapshot).
 * The free slots are handed out as if one at a time, each to the highest priority with calls waiting, and
 * within it to the campaign whose calls hold the fewest slots for its weight; on a tie, to the one that has
 * dialed the fewest calls for its weight, then to the older waiting call. The dials break ties so that a
 * remainder takes turns: at limit 6, weights 1, 1, 2 hold 2, 2, 2 slots at a time, and the weight-2 campaign
 * wins the ties until its dials catch up (half of them over time). As each campaign's successive slots rank
 * ever later, that is the same as ranking every campaign's candidate calls by (priority, (held + k - 1) /
 * weight, (dialed + k - 1) / weight, seq) and taking the first ones. A campaign offers no more calls than its cap leaves. queueing "fifo": by seq alone.
 * `held`: the slots a campaign's calls hold, counted from p_held, the leases Redis holds (a call's slot comes
 * back before its end is written). SKIP LOCKED passes over calls a pause or cancel is changing.
 */
export const CLAIM_CALLS = `
  CREATE FUNCTION claim_calls(p_org uuid, p_leases text[], p_held text[], p_now timestamptz)
  RETURNS TABLE (call_id uuid, call_lease text) LANGUAGE plpgsql AS $fn$
  #variable_conflict use_column
  DECLARE
    wanted int := cardinality(p_leases);
  BEGIN
    PERFORM pg_advisory_xact_lock(727246002, ('x' || substr(replace(p_org::text, '-', ''), 1, 8))::bit(32)::int);
    RETURN QUERY
    WITH campaigns AS MATERIALIZED (
      SELECT r.id, r.priority, r.weight, r.max_concurrent_calls AS cap, r.dialed_calls AS dialed, o.queueing,
        -- Needed to share between campaigns or to hold a cap; the one running campaign of an organization is spared the count.
        CASE WHEN count(*) OVER () > 1 OR r.max_concurrent_calls IS NOT NULL THEN
          (SELECT count(*) FROM calls a
            WHERE a.call_request_id = r.id AND a.call_state IN ('dialing', 'ringing', 'ongoing') AND a.lease_id = ANY (p_held))::int
        ELSE 0 END AS held
      FROM call_requests r JOIN organizations o ON o.id = r.organization_id
      WHERE r.organization_id = p_org AND r.completed_at IS NULL AND r.status IN ('submitted', 'onProgress')
        AND (r.expires_at IS NULL OR r.expires_at > p_now)
    ), candidates AS (
      SELECT w.id, w.seq, c.priority, c.queueing, (c.held + w.k - 1)::numeric / c.weight AS share, (c.dialed + w.k - 1)::numeric / c.weight AS turn
      FROM campaigns c CROSS JOIN LATERAL (
        SELECT q.id, q.seq, row_number() OVER (ORDER BY q.seq) AS k FROM (
          SELECT id, seq FROM calls WHERE call_request_id = c.id AND call_state = 'queued'
          ORDER BY seq LIMIT LEAST(wanted, GREATEST(COALESCE(c.cap - c.held, wanted), 0))
          FOR UPDATE SKIP LOCKED
        ) q
      ) w
    ), picked AS (
      SELECT best.id, row_number() OVER (ORDER BY best.seq) AS n FROM (
        SELECT id, seq FROM candidates
        ORDER BY CASE WHEN queueing = 'fair' THEN -priority ELSE 0 END, CASE WHEN queueing = 'fair' THEN share ELSE 0 END,
          CASE WHEN queueing = 'fair' THEN turn ELSE 0 END, seq
        LIMIT wanted
      ) best
    ), claimed AS (
      UPDATE calls c SET call_state = 'dialing', status = 'onProgress', dialed_at = clock_timestamp(),
        attempts = c.attempts + 1, lease_id = p_leases[picked.n], updated_at = now()
      FROM picked WHERE c.id = picked.id AND c.call_state = 'queued'
      RETURNING c.id, c.lease_id, c.call_request_id, c.seq
    ), counted AS (
      UPDATE call_requests r SET dialed_calls = dialed_calls + k.n,
        status = CASE WHEN r.status = 'submitted' THEN 'onProgress' ELSE r.status END, updated_at = now()
      FROM (SELECT call_request_id, count(*)::int AS n FROM claimed GROUP BY call_request_id) k
      WHERE r.id = k.call_request_id
    ), rated AS (
      -- Calls dialed per minute per campaign: the dial rate behind GET /status/{requestId}/funnel's ETA.
      INSERT INTO campaign_dial_minutes AS m (call_request_id, minute, dialed)
      SELECT call_request_id, date_trunc('minute', now()), count(*)::int FROM claimed GROUP BY call_request_id ORDER BY call_request_id
      ON CONFLICT (call_request_id, minute) DO UPDATE SET dialed = m.dialed + EXCLUDED.dialed
    )
    SELECT claimed.id, claimed.lease_id FROM claimed ORDER BY claimed.seq;
  END
  $fn$`;
