import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A campaign's answering-machine handling (`machineDetection` of POST /call), and each call's recordings
 * as last read from the voice platform (shown in GET /status without asking the platform on every read).
 */
export class RecordingsAndMachineDetection1764400000000 implements MigrationInterface {
  name = 'RecordingsAndMachineDetection1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests ADD COLUMN machine_detection jsonb`);
    await db.query(`ALTER TABLE calls ADD COLUMN recordings jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE calls DROP COLUMN recordings`);
    await db.query(`ALTER TABLE call_requests DROP COLUMN machine_detection`);
  }
}
