import { MigrationInterface, QueryRunner } from 'typeorm';

/** Calls started per number per day (the callee's day), for an organization's maxCallsPerNumberPerDay. */
export class ContactAttempts1764100000000 implements MigrationInterface {
  name = 'ContactAttempts1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE contact_attempts (
        organization_id uuid NOT NULL REFERENCES organizations (id),
        phone text NOT NULL,
        day date NOT NULL,
        calls int NOT NULL,
        PRIMARY KEY (organization_id, phone, day)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE contact_attempts`);
  }
}
