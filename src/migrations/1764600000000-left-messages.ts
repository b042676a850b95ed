import { MigrationInterface, QueryRunner } from 'typeorm';

/** Record steps: whether a call left a message (for the "left a message" filter), and how many calls of a campaign did. */
export class LeftMessages1764600000000 implements MigrationInterface {
  name = 'LeftMessages1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE calls ADD COLUMN left_message boolean NOT NULL DEFAULT false`);
    await db.query(`ALTER TABLE call_requests ADD COLUMN left_message_calls int NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests DROP COLUMN left_message_calls`);
    await db.query(`ALTER TABLE calls DROP COLUMN left_message`);
  }
}
