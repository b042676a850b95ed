import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status callbacks (README "Status callbacks"): the organization's endpoints, a campaign's own callback URL,
 * and the outbox. An event is written in the statement that changes the state it tells of, with one delivery
 * per receiver; the workers send the due deliveries (claimed with FOR UPDATE SKIP LOCKED).
 */
export class Webhooks1765000000000 implements MigrationInterface {
  name = 'Webhooks1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE call_requests ADD COLUMN status_callback_url text`);
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        url text NOT NULL,
        events text[] NOT NULL,
        description text,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_until timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_at timestamptz,
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ix_webhook_endpoints_org ON webhook_endpoints (organization_id, created_at)`);
    await db.query(`
      CREATE TABLE status_callback_secrets (
        organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        type text NOT NULL,
        call_request_id uuid NOT NULL,
        call_id uuid,
        body text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
        organization_id uuid NOT NULL,
        endpoint_id uuid REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        url text,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz DEFAULT now(),
        last_attempt_at timestamptz,
        response_status int,
        response_body text,
        duration_ms int,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_webhook_deliveries_target CHECK ((endpoint_id IS NULL) <> (url IS NULL)),
        CONSTRAINT ck_webhook_deliveries_body CHECK (octet_length(response_body) <= 1024)
      )`);
    await db.query(`CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC)`);
    await db.query(`CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_id)`);
    await db.query(`CREATE INDEX ix_webhook_events_created_at ON webhook_events (created_at)`);
    await db.query(`CREATE INDEX ix_webhook_events_request ON webhook_events (call_request_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP TABLE webhook_events`);
    await db.query(`DROP TABLE status_callback_secrets`);
    await db.query(`DROP TABLE webhook_endpoints`);
    await db.query(`ALTER TABLE call_requests DROP COLUMN status_callback_url`);
  }
}
