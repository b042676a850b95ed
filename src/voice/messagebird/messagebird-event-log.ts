import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { logIdleClientErrors } from '../../database/pg-pool-errors';
import { RedisService } from '../../redis/redis.service';
import { CALL_NEWS_CHANNEL, CallNews, encodeNews } from './call-news';

export interface LoggedRequest {
  callId: string;
  providerCallId: string | null;
  kind: 'webhook' | 'call-flow-fetch';
  /** The same request delivered again has the same key. */
  dedupeKey: string;
  body: unknown;
}

export type LogResult = 'recorded' | 'duplicate' | 'unknown-call';

const RECORD = `
  INSERT INTO messagebird_events (call_id, provider_call_id, kind, dedupe_key, body)
  SELECT c.id, $2, $3, $4, $5::jsonb FROM calls c WHERE c.id = $1
  ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = messagebird_events.duplicates + 1
  RETURNING (xmax = 0) AS fresh`;

/** The same, for a request that names no call of ours: the call is the one MessageBird's call id was placed for. */
const RECORD_BY_PROVIDER_CALL = `
  INSERT INTO messagebird_events (call_id, provider_call_id, kind, dedupe_key, body)
  SELECT c.id, $1, $2, $3, $4::jsonb FROM calls c WHERE c.provider_call_id = $1 ORDER BY c.created_at DESC LIMIT 1
  ON CONFLICT (dedupe_key) DO UPDATE SET duplicates = messagebird_events.duplicates + 1
  RETURNING (xmax = 0) AS fresh, call_id`;

/**
 * The append-only log of MessageBird's requests (messagebird_events), and the hand-over of their news to
 * the worker running the call. A request is recorded first (one statement, which also says whether it is
 * new), then its news is published; if publishing fails the caller answers 5xx and MessageBird delivers
 * it again. A redelivered webhook is counted on the first record and not passed on again (so, in the rare
 * case that Redis refused the first publish, the worker learns the call's state from its reconciliation);
 * a repeated call-flow fetch is passed on again (`always`): its step events are applied idempotently.
 *
 * Its own small pool, like the call path's progress writes: commits do not wait for the WAL to reach
 * disk (a crash may lose the last fraction of a second of the audit log), and the statement is prepared
 * once per connection.
 */
@Injectable()
export class MessageBirdEventLog implements OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly prepared: boolean;

  constructor(
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly redis: RedisService,
  ) {
    this.pool = logIdleClientErrors(
      new Pool({
        connectionString: config.databaseUrl,
        max: config.localMode ? 2 : 10,
        ...(!config.localMode && { options: '-c synchronous_commit=off' }),
      }),
      'messagebird event log',
    );
    // The embedded PostgreSQL shares one session between connections: a second PREPARE of a name would fail.
    this.prepared = !config.localMode;
  }

  async record(request: LoggedRequest, news: CallNews[], publish: 'if-new' | 'always' = 'if-new'): Promise<LogResult> {
    const values = [request.callId, request.providerCallId, request.kind, request.dedupeKey, JSON.stringify(request.body)];
    const { rows } = await this.pool.query<{ fresh: boolean }>(this.prepared ? { name: 'messagebird_record_event', text: RECORD, values } : { text: RECORD, values });
    if (rows.length === 0) return 'unknown-call';
    if (rows[0].fresh || publish === 'always') {
      for (const item of news) await this.redis.publish(CALL_NEWS_CHANNEL, encodeNews(item));
    }
    return rows[0].fresh ? 'recorded' : 'duplicate';
  }

  /**
   * Records a request that names no call of ours (a webhook configured on the number rather than on the call)
   * under the call MessageBird's `providerCallId` belongs to; `news` is made for that call once it is known.
   */
  async recordForProviderCall(
    request: Omit<LoggedRequest, 'callId' | 'providerCallId'> & { providerCallId: string },
    news: (callId: string) => CallNews[],
  ): Promise<{ result: LogResult; callId?: string }> {
    const values = [request.providerCallId, request.kind, request.dedupeKey, JSON.stringify(request.body)];
    const { rows } = await this.pool.query<{ fresh: boolean; call_id: string }>(
      this.prepared ? { name: 'messagebird_record_event_by_provider_call', text: RECORD_BY_PROVIDER_CALL, values } : { text: RECORD_BY_PROVIDER_CALL, values },
    );
    if (rows.length === 0) return { result: 'unknown-call' };
    const { fresh, call_id: callId } = rows[0];
    if (fresh) for (const item of news(callId)) await this.redis.publish(CALL_NEWS_CHANNEL, encodeNews(item));
    return { result: fresh ? 'recorded' : 'duplicate', callId };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
