import { MigrationInterface, QueryRunner } from 'typeorm';

/** Do-not-call lists, retries and scheduled calls, calling hours, call-rate and contact caps. */
export class CampaignCompliance1764000000000 implements MigrationInterface {
  name = 'CampaignCompliance1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE do_not_call (
        organization_id uuid NOT NULL REFERENCES organizations (id),
        phone text NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, phone)
      )`);
    await db.query(`
      ALTER TABLE organizations
        ADD COLUMN calls_per_second numeric CHECK (calls_per_second > 0),
        ADD COLUMN max_calls_per_number_per_day int CHECK (max_calls_per_number_per_day > 0),
        ADD COLUMN calling_hours jsonb`);
    await db.query(`
      ALTER TABLE call_requests
        ADD COLUMN retry_policy jsonb,
        ADD COLUMN calling_hours jsonb,
        ADD COLUMN suppressed_calls int NOT NULL DEFAULT 0`);
    await db.query(`
      ALTER TABLE calls
        ADD COLUMN next_attempt_at timestamptz,
        ADD COLUMN attempt_history jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN time_zones text[]`);
    // What the scheduler reads: calls waiting for a time (a retry, or their calling hours).
    await db.query(`CREATE INDEX ix_calls_scheduled ON calls (next_attempt_at) WHERE call_state = 'scheduled'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_calls_scheduled`);
    await db.query(`ALTER TABLE calls DROP COLUMN next_attempt_at, DROP COLUMN attempt_history, DROP COLUMN time_zones`);
    await db.query(`ALTER TABLE call_requests DROP COLUMN retry_policy, DROP COLUMN calling_hours, DROP COLUMN suppressed_calls`);
    await db.query(`ALTER TABLE organizations DROP COLUMN calls_per_second, DROP COLUMN max_calls_per_number_per_day, DROP COLUMN calling_hours`);
    await db.query(`DROP TABLE do_not_call`);
  }
}
