import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every request MessageBird made to us about a call (verified webhooks and call-flow fetches), kept for
 * audit. Append-only: a trigger refuses deletes and any change but the count of redeliveries.
 */
export class MessageBirdEvents1764200000000 implements MigrationInterface {
  name = 'MessageBirdEvents1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE messagebird_events (
        id bigserial PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        call_id uuid NOT NULL,
        provider_call_id text,
        kind text NOT NULL CHECK (kind IN ('webhook', 'call-flow-fetch')),
        dedupe_key text NOT NULL,
        body jsonb NOT NULL,
        duplicates int NOT NULL DEFAULT 0,
        CONSTRAINT uq_messagebird_events_dedupe_key UNIQUE (dedupe_key)
      )`);
    await db.query(`CREATE INDEX ix_messagebird_events_call ON messagebird_events (call_id, id)`);
    await db.query(`
      CREATE FUNCTION messagebird_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'messagebird_events is append-only';
        END IF;
        IF (NEW.id, NEW.received_at, NEW.call_id, NEW.provider_call_id, NEW.kind, NEW.dedupe_key, NEW.body)
           IS DISTINCT FROM (OLD.id, OLD.received_at, OLD.call_id, OLD.provider_call_id, OLD.kind, OLD.dedupe_key, OLD.body) THEN
          RAISE EXCEPTION 'messagebird_events is append-only (only duplicates may change)';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_messagebird_events_append_only BEFORE UPDATE OR DELETE ON messagebird_events
      FOR EACH ROW EXECUTE FUNCTION messagebird_events_append_only()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE messagebird_events`);
    await db.query(`DROP FUNCTION messagebird_events_append_only()`);
  }
}
