import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several campaigns sharing an organization's slots (README "Several campaigns at once"): each campaign's
 * priority, weight, cap, start and expiry; the organization's queueing mode. The claim walks each waiting
 * campaign's queue (ix_calls_campaign_queue) and counts the slots each holds (ix_calls_campaign_active,
 * at most the organization's limit of rows), instead of the organization's one queue.
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
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_call_requests_expiring`);
    await db.query(`DROP INDEX ix_calls_campaign_active`);
    await db.query(`DROP INDEX ix_calls_campaign_queue`);
    await db.query(`ALTER TABLE organizations DROP COLUMN queueing`);
    await db.query(`ALTER TABLE call_requests DROP COLUMN priority, DROP COLUMN weight, DROP COLUMN max_concurrent_calls, DROP COLUMN start_at, DROP COLUMN expires_at, DROP COLUMN expired_calls`);
  }
}
