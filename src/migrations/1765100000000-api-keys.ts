import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several named API keys per organization, each with a scope (README "API keys"). Each organization's one
 * key so far becomes its key "default", scope write. A revoked key keeps its row (revoked_at) so the list
 * can show when it stopped working; only active keys are looked up, through a partial unique index.
 */
export class ApiKeys1765100000000 implements MigrationInterface {
  name = 'ApiKeys1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('read', 'write')),
        key_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX uq_api_keys_key_hash ON api_keys (key_hash)`);
    await db.query(`CREATE UNIQUE INDEX uq_api_keys_active_name ON api_keys (organization_id, name) WHERE revoked_at IS NULL`);
    await db.query(`INSERT INTO api_keys (organization_id, name, scope, key_hash, created_at) SELECT id, 'default', 'write', api_key_hash, created_at FROM organizations`);
    await db.query(`ALTER TABLE organizations DROP COLUMN api_key_hash`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE organizations ADD COLUMN api_key_hash text`);
    await db.query(`
      UPDATE organizations o SET api_key_hash = k.key_hash
      FROM (SELECT DISTINCT ON (organization_id) organization_id, key_hash FROM api_keys
            WHERE revoked_at IS NULL ORDER BY organization_id, (scope = 'write') DESC, created_at) k
      WHERE k.organization_id = o.id`);
    // An organization whose keys were all revoked gets a hash no key has.
    await db.query(`UPDATE organizations SET api_key_hash = 'revoked-' || id WHERE api_key_hash IS NULL`);
    await db.query(`ALTER TABLE organizations ALTER COLUMN api_key_hash SET NOT NULL`);
    await db.query(`CREATE UNIQUE INDEX uq_organizations_api_key_hash ON organizations (api_key_hash)`);
    await db.query(`DROP TABLE api_keys`);
  }
}
