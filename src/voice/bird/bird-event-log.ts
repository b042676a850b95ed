import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { logIdleClientErrors } from '../../database/pg-pool-errors';
import { RedisService } from '../../redis/redis.service';
import { BirdWebhookBody } from './bird-api.types';
import { BIRD_CALL_NEWS_CHANNEL, encodeBirdNews } from './bird-call-news';

export type BirdLogResult = 'recorded' | 'duplicate' | 'unknown-call';

const RECORD = `
  INSERT INTO bird_events (call_id, provider_call_id, dedupe_key, body)
  SELECT c.id, $2, $3, $4::jsonb FROM calls c WHERE c.id = $1
  ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = bird_events.duplicates + 1
  RETURNING (xmax = 0) AS fresh, received_at`;

/**
 * The append-only log of Bird's webhooks (bird_events), and the hand-over of each new one to the worker
 * running the call. A webhook is recorded first (one statement, which also says whether it is new), then
 * published; if publishing fails the caller answers 5xx and Bird delivers it again. A redelivery is counted
 * on the first record and not passed on again (the worker's reconciliation replays the log if Redis lost one).
 *
 * Its own small pool with asynchronous commit, like MessageBird's log: a crash may lose the last fraction
 * of a second of the audit log, never a call's state (Bird is asked again).
 */
@Injectable()
export class BirdEventLog implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly prepared: boolean;

  constructor(
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly redis: RedisService,
  ) {
    this.pool = logIdleClientErrors(
      new Pool({ connectionString: config.databaseUrl, max: config.localMode ? 2 : 10, ...(!config.localMode && { options: '-c synchronous_commit=off' }) }),
      'bird event log',
    );
    // The embedded PostgreSQL shares one session between connections: a second PREPARE of a name would fail.
    this.prepared = !config.localMode;
  }

  async record(callId: string, dedupeKey: string, webhook: BirdWebhookBody): Promise<BirdLogResult> {
    const values = [callId, webhook.payload.id, dedupeKey, JSON.stringify(webhook)];
    const { rows } = await this.pool.query<{ fresh: boolean; received_at: Date }>(this.prepared ? { name: 'bird_record_event', text: RECORD, values } : { text: RECORD, values });
    if (rows.length === 0) return 'unknown-call';
    if (!rows[0].fresh) return 'duplicate';
    await this.redis.publish(BIRD_CALL_NEWS_CHANNEL, encodeBirdNews({ callId, receivedAt: rows[0].received_at.toISOString(), webhook }));
    return 'recorded';
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
