import { MigrationInterface, QueryRunner } from 'typeorm';
import { BACKFILL_FUNNEL_SQL } from '../funnel/funnel-counters';

/**
 * The funnel of each campaign (README "Funnel"): counters per step of its flow, moved with each step result
 * (src/funnel/funnel-counters.ts), and the calls dialed per minute per campaign, for the ETA of its queued calls.
 * Campaigns that exist already get their counters computed once here, from their calls' steps, by the same
 * SQL that moves them (the only scan of calls the funnel ever makes), and their dials of the last 15 minutes.
 */
export class CampaignFunnel1765300000000 implements MigrationInterface {
  name = 'CampaignFunnel1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE campaign_funnel (
        call_request_id uuid NOT NULL REFERENCES call_requests (id) ON DELETE CASCADE,
        step_path text NOT NULL,
        counter text NOT NULL,
        count int NOT NULL,
        CONSTRAINT pk_campaign_funnel PRIMARY KEY (call_request_id, step_path, counter)
      )`);
    await db.query(`
      CREATE TABLE campaign_dial_minutes (
        call_request_id uuid NOT NULL REFERENCES call_requests (id) ON DELETE CASCADE,
        minute timestamptz NOT NULL,
        dialed int NOT NULL,
        CONSTRAINT pk_campaign_dial_minutes PRIMARY KEY (call_request_id, minute)
      )`);
    await db.query(BACKFILL_FUNNEL_SQL);
    await db.query(`
      INSERT INTO campaign_dial_minutes (call_request_id, minute, dialed)
      SELECT c.call_request_id, date_trunc('minute', c.dialed_at), count(*)::int
        FROM calls c WHERE c.dialed_at > now() - interval '15 minutes' AND EXISTS (SELECT 1 FROM call_requests r WHERE r.id = c.call_request_id)
       GROUP BY 1, 2`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE campaign_dial_minutes`);
    await db.query(`DROP TABLE campaign_funnel`);
  }
}
