import { MigrationInterface, QueryRunner } from 'typeorm';

/** A CSV upload's import report, kept so that re-sending the same upload answers with it again. */
export class CsvImportReport1763900000000 implements MigrationInterface {
  name = 'CsvImportReport1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests ADD COLUMN import_report jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests DROP COLUMN import_report`);
  }
}
