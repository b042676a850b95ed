import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every verified webhook Bird sent about one of our calls, kept for audit and replayed to rebuild a call's
 * state (a worker taking over a dead worker's call, or one that missed news). Append-only: a trigger
 * refuses deletes and any change but the count of redeliveries.
 */
export class BirdEvents1764700000000 implements MigrationInterface {
  name = 'BirdEvents1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE bird_events (
        id bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        call_id uuid NOT NULL,
        provider_call_id text NOT NULL,
        dedupe_key text NOT NULL,
        body jsonb NOT NULL,
        duplicates int NOT NULL DEFAULT 0,
        CONSTRAINT uq_bird_events_dedupe_key UNIQUE (dedupe_key)
      )`);
    await db.query(`CREATE INDEX ix_bird_events_call ON bird_events (call_id, id)`);
    await db.query(`
      CREATE FUNCTION bird_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'bird_events is append-only';
        END IF;
        IF (NEW.id, NEW.received_at, NEW.call_id, NEW.provider_call_id, NEW.dedupe_key, NEW.body)
           IS DISTINCT FROM (OLD.id, OLD.received_at, OLD.call_id, OLD.provider_call_id, OLD.dedupe_key, OLD.body) THEN
          RAISE EXCEPTION 'bird_events is append-only (only duplicates may change)';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_bird_events_append_only BEFORE UPDATE OR DELETE ON bird_events
      FOR EACH ROW EXECUTE FUNCTION bird_events_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE bird_events`);
    await db.query(`DROP FUNCTION bird_events_append_only()`);
  }
}
