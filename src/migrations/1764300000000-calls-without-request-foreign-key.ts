import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * calls.call_request_id loses its foreign key: it was checked row by row on every bulk insert (2.7–4.7 s
 * of PostgreSQL CPU for a 1M-row CSV upload), and the request row is always inserted in the same
 * transaction as its calls, which are never moved or deleted apart from it.
 */
export class CallsWithoutRequestForeignKey1764300000000 implements MigrationInterface {
  name = 'CallsWithoutRequestForeignKey1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE calls DROP CONSTRAINT IF EXISTS calls_call_request_id_fkey`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE calls ADD CONSTRAINT calls_call_request_id_fkey FOREIGN KEY (call_request_id) REFERENCES call_requests (id)`);
  }
}
