import { MigrationInterface, QueryRunner } from 'typeorm';

/** The organization's campaigns that are not over: GET /organization/usage and /metrics add up their counters. */
export class UnfinishedRequestsIndex1764500000000 implements MigrationInterface {
  name = 'UnfinishedRequestsIndex1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX ix_call_requests_unfinished ON call_requests (organization_id) WHERE completed_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_call_requests_unfinished`);
  }
}
