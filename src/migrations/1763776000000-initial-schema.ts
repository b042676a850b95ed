import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763776000000 implements MigrationInterface {
  name = 'InitialSchema1763776000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        api_key_hash text NOT NULL,
        max_concurrent_calls int NOT NULL CHECK (max_concurrent_calls > 0),
        external_ongoing_calls int NOT NULL DEFAULT 0 CHECK (external_ongoing_calls >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX uq_organizations_api_key_hash ON organizations (api_key_hash)`);

    await db.query(`
      CREATE TABLE call_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        request_id text NOT NULL,
        body_hash text NOT NULL,
        source text NOT NULL DEFAULT 'api',
        status text NOT NULL DEFAULT 'submitted',
        enable_call_recording boolean NOT NULL DEFAULT false,
        call_flow jsonb NOT NULL,
        total_calls int NOT NULL,
        dialed_calls int NOT NULL DEFAULT 0,
        ended_calls int NOT NULL DEFAULT 0,
        answered_calls int NOT NULL DEFAULT 0,
        busy_calls int NOT NULL DEFAULT 0,
        no_answer_calls int NOT NULL DEFAULT 0,
        failed_calls int NOT NULL DEFAULT 0,
        cancelled_calls int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await db.query(`CREATE UNIQUE INDEX uq_call_requests_org_request_id ON call_requests (organization_id, request_id)`);
    await db.query(`CREATE INDEX ix_call_requests_org_created_at ON call_requests (organization_id, created_at)`);

    await db.query(`
      CREATE TABLE calls (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        -- Copied from the call request (which references the organization) for the dispatcher's index;
        -- no second foreign key: it would be checked once per row of every bulk insert.
        organization_id uuid NOT NULL,
        call_request_id uuid NOT NULL REFERENCES call_requests (id),
        destination_index int NOT NULL,
        phone text NOT NULL,
        caller text NOT NULL,
        properties jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'queued',
        call_state text NOT NULL DEFAULT 'queued',
        call_status text,
        steps jsonb NOT NULL DEFAULT '[]',
        monitor_data jsonb NOT NULL DEFAULT '[]',
        attempts int NOT NULL DEFAULT 0,
        provider_call_id text,
        lease_id text,
        failure_reason text,
        dialed_at timestamptz,
        dial_started_at timestamptz,
        answered_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 80)`); // room on each page for the many progress updates of a call
    await db.query(`CREATE UNIQUE INDEX uq_calls_request_destination ON calls (call_request_id, destination_index)`);
    await db.query(`CREATE INDEX ix_calls_provider_call_id ON calls (provider_call_id) WHERE provider_call_id IS NOT NULL`);
    // The backlog: what the dispatcher reads, FIFO per organization. Partial, so it only holds waiting calls.
    await db.query(`CREATE INDEX ix_calls_dispatch_queue ON calls (organization_id, seq) WHERE call_state = 'queued'`);
    // What the reconciler checks: calls that hold a slot.
    await db.query(`CREATE INDEX ix_calls_active ON calls (organization_id) WHERE call_state IN ('dialing', 'ringing', 'ongoing')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE calls`);
    await db.query(`DROP TABLE call_requests`);
    await db.query(`DROP TABLE organizations`);
  }
}
