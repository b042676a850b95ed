import { MigrationInterface, QueryRunner } from 'typeorm';
import { CLAIM_CALLS } from './1765400000000-campaign-sharing';

/**
 * Cheap polling (README "Cheap polling (ETag)"): `call_requests.version` counts the changes of everything a
 * campaign's status page, timeline and funnel show. It moves in the statements that change them, mostly in the
 * UPDATE of the campaign's row they already make (the claim's and the end's counters); the call-level writes that
 * did not touch the campaign's row (ringing, answered, steps, the platform call id) bump it in a CTE of their own
 * statement. The ETag of those routes is derived from it, so a poll of an unchanged campaign reads one row.
 *
 * Two writes are covered here rather than at their statement:
 * - claim_calls (migration 1765400000000): the same function, its `counted` CTE also bumping the version;
 * - whole-call recordings stored on a call (STORE_RECORDINGS_SQL, shared by the platform adapters): a row
 *   trigger on `UPDATE OF recordings`, which fires only for statements that set that column (one call at a time,
 *   after the call ended; never on the call path).
 */
export class CampaignVersions1765500000000 implements MigrationInterface {
  name = 'CampaignVersions1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests ADD COLUMN version bigint NOT NULL DEFAULT 0`);
    await db.query(versionedClaim());
    await db.query(`
      CREATE FUNCTION bump_campaign_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        UPDATE call_requests SET version = version + 1 WHERE id = NEW.call_request_id;
        RETURN NULL;
      END
      $fn$`);
    await db.query(`
      CREATE TRIGGER tr_calls_recordings_version AFTER UPDATE OF recordings ON calls
      FOR EACH ROW WHEN (OLD.recordings IS DISTINCT FROM NEW.recordings) EXECUTE FUNCTION bump_campaign_version()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER tr_calls_recordings_version ON calls`);
    await db.query(`DROP FUNCTION bump_campaign_version()`);
    await db.query(CLAIM_CALLS.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    await db.query(`ALTER TABLE call_requests DROP COLUMN version`);
  }
}

/** claim_calls as migration 1765400000000 wrote it, with the claimed calls' campaigns' version bumped in `counted`. */
export function versionedClaim(): string {
  const counted = 'UPDATE call_requests r SET dialed_calls = dialed_calls + k.n,';
  if (!CLAIM_CALLS.includes(counted)) throw new Error('claim_calls changed: its counted CTE was not found');
  return CLAIM_CALLS.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION').replace(counted, `${counted} version = r.version + 1,`);
}
