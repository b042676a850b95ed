import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved call flows (README "Saved call flows"), per organization, with every version kept: a PUT adds a
 * version, a DELETE only hides the flow (deleted_at), so a version once used by a campaign stays readable.
 * A campaign still stores the flow it was started with (call_requests.call_flow) and says which saved flow
 * and version it came from; there is no foreign key from it, so nothing done to a saved flow reaches it.
 */
export class SavedCallFlows1765200000000 implements MigrationInterface {
  name = 'SavedCallFlows1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE call_flows (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        latest_version int NOT NULL DEFAULT 1,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ix_call_flows_org_updated_at ON call_flows (organization_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await db.query(`
      CREATE TABLE call_flow_versions (
        call_flow_id uuid NOT NULL REFERENCES call_flows (id) ON DELETE CASCADE,
        version int NOT NULL,
        title text NOT NULL,
        call_flow jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_call_flow_versions PRIMARY KEY (call_flow_id, version)
      )`);
    await db.query(`ALTER TABLE call_requests ADD COLUMN call_flow_id uuid, ADD COLUMN call_flow_version int`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests DROP COLUMN call_flow_version, DROP COLUMN call_flow_id`);
    await db.query(`DROP TABLE call_flow_versions`);
    await db.query(`DROP TABLE call_flows`);
  }
}
