import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { CallRequest } from '../campaigns/call-request.entity';
import { Call } from '../campaigns/call.entity';
import { toCampaignView, toDetailView } from '../campaigns/campaign-status.view';
import { Clock } from '../common/clock';
import { APP_CONFIG, ResolvedConfig, WebhooksConfig } from '../config/app-config';
import { newSecret, retryDelayMs, signedHeaders } from './webhook-events';
import { checkedLookup, urlRefusal, UrlPolicy } from './webhook-url-guard';

/** At most this much of an answer is kept. */
export const RESPONSE_BODY_MAX_BYTES = 1024;
/** A claimed delivery is due again after the timeout plus this margin: the claim of a worker that died lapses. */
const CLAIM_MARGIN_MS = 30_000;
const SHUTDOWN_DRAIN_MS = 2_000;
const PRUNE_EVERY_MS = 60_000;
/** Events deleted by one prune at most (the next one goes on). */
const PRUNE_BATCH = 10_000;

interface Claimed {
  id: string;
  event_id: string;
  organization_id: string;
  endpoint_id: string | null;
  url: string | null;
  attempts: number;
}

interface EventRow {
  type: string;
  body: string | null;
  call_request_id: string;
  call_id: string | null;
  created_at: Date;
  endpoint_url: string | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_until: Date | null;
}

export interface AttemptResult {
  status: number | null;
  body: string | null;
  durationMs: number;
  error: string | null;
}

/** The first RESPONSE_BODY_MAX_BYTES bytes of an answer as text PostgreSQL can store (no NUL). */
export function keptBody(raw: Buffer): string {
  let text = raw.subarray(0, RESPONSE_BODY_MAX_BYTES).toString('utf8').replace(/\u0000/g, '');
  while (Buffer.byteLength(text) > RESPONSE_BODY_MAX_BYTES) text = text.slice(0, -1);
  return text;
}

/**
 * One POST, over a connection made only to a checked address, given up after `timeoutMs` (the whole
 * exchange); redirects are not followed (a 3xx is a failure). At most 1 KB of the answer is read.
 */
export function postOnce(
  target: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  policy: UrlPolicy,
  signal?: AbortSignal,
): Promise<AttemptResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ...result, durationMs: Math.round(performance.now() - started) });
    };
    const url = new URL(target);
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'robocall-status-callbacks/1' },
        lookup: checkedLookup(policy, url.protocol === 'http:') as never,
        signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish({ status: response.statusCode ?? null, body: keptBody(Buffer.concat(chunks)), error: null });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_BODY_MAX_BYTES) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => finish({ status: null, body: null, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    request.on('error', (error) => finish({ status: null, body: null, error: error.message }));
    request.end(body);
  });
}

/**
 * Sends the outbox's due deliveries from the worker processes: claimed with FOR UPDATE SKIP LOCKED (so
 * workers share them, and Redis plays no part), at most WEBHOOKS_CONCURRENCY at once per process, each
 * given up after WEBHOOKS_TIMEOUT_MS, off the call path. A failure is tried again per the schedule; a
 * worker that dies mid-delivery leaves the claim to lapse, and another sends it again (same webhook-id).
 */
@Injectable()
export class WebhookDelivererService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDelivererService.name);
  private readonly settings: WebhooksConfig;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lastPrune = 0;
  /** Aborts the attempts still in flight at shutdown (their claims lapse; another worker sends them again). */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.settings = config.webhooks;
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS)))]);
    clearTimeout(timer);
    this.shutdown.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (Date.now() - this.lastPrune >= (this.settings.pruneEveryMs ?? PRUNE_EVERY_MS)) {
          this.lastPrune = Date.now();
          await this.prune();
        }
        const free = this.settings.concurrency - this.inFlight.size;
        if (free <= 0) {
          await Promise.race([...this.inFlight]);
          continue;
        }
        const claimed = await this.claim(free);
        for (const delivery of claimed) this.start(delivery);
        if (claimed.length < free) await this.pause(this.settings.pollMs);
      } catch (error) {
        if (!this.stopping) this.logger.warn(`webhook poll failed: ${(error as Error).message}`);
        await this.pause(this.settings.pollMs);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private start(delivery: Claimed): void {
    const running: Promise<void> = this.deliver(delivery)
      .catch((error) => this.logger.error(`webhook delivery ${delivery.id} failed unexpectedly: ${error?.stack ?? error}`))
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  /** Deletes events past WEBHOOKS_RETENTION_MS whose deliveries are all done, with their deliveries. */
  async prune(): Promise<number> {
    const [{ n }] = await this.db.query<{ n: number }[]>(
      `WITH old AS (
         SELECT e.id FROM webhook_events e
         WHERE e.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'suspended'))
         ORDER BY e.created_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       ), gone AS (
         DELETE FROM webhook_events e USING old WHERE e.id = old.id RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [new Date(this.clock.now().getTime() - this.settings.retentionMs), PRUNE_BATCH],
    );
    return n;
  }

  private claim(limit: number): Promise<Claimed[]> {
    const now = this.clock.now();
    return this.db.query(
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1
           AND (d.endpoint_id IS NULL OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id AND w.enabled))
         ORDER BY d.next_attempt_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       , claimed AS (
         UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $3
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.event_id, d.organization_id, d.endpoint_id, d.url, d.attempts
       )
       SELECT * FROM claimed`,
      [now, limit, new Date(now.getTime() + this.settings.timeoutMs + CLAIM_MARGIN_MS)],
    );
  }

  /** One attempt of one delivery, and its outcome recorded. */
  async deliver(delivery: Claimed): Promise<void> {
    const [event] = await this.db.query<EventRow[]>(
      `SELECT e.type, e.body, e.call_request_id, e.call_id, e.created_at, w.url AS endpoint_url, w.secret, w.previous_secret, w.previous_secret_until
       FROM webhook_events e LEFT JOIN webhook_endpoints w ON w.id = $2 WHERE e.id = $1`,
      [delivery.event_id, delivery.endpoint_id],
    );
    const target = delivery.url ?? event?.endpoint_url;
    if (!event || !target) return; // the endpoint was deleted meanwhile (its deliveries with it)
    const body = await this.bodyOf(delivery.event_id, event);
    const secrets = delivery.endpoint_id ? this.endpointSecrets(event) : [await this.statusCallbackSecret(delivery.organization_id)];
    const attemptAt = this.clock.now();
    const refusal = await urlRefusal(target, this.settings);
    const result: AttemptResult = refusal
      ? { status: null, body: null, durationMs: 0, error: `refused: ${refusal}` }
      : await postOnce(target, signedHeaders(delivery.event_id, new Date(), body, secrets), body, this.settings.timeoutMs, this.settings, this.shutdown.signal);
    if (this.shutdown.signal.aborted) return; // not an answer: the claim lapses and the delivery is sent again
    if (result.status !== null && result.status >= 200 && result.status < 300) await this.succeeded(delivery, attemptAt, result);
    else await this.failed(delivery, attemptAt, result);
  }

  private endpointSecrets(event: EventRow): string[] {
    const previous = event.previous_secret && event.previous_secret_until && event.previous_secret_until > this.clock.now() ? [event.previous_secret] : [];
    return [event.secret!, ...previous];
  }

  /** The organization's secret for campaigns' statusCallbackUrl; made on first use (POST /organization/status-callback-secret shows a new one). */
  private async statusCallbackSecret(organizationId: string): Promise<string> {
    await this.db.query(`INSERT INTO status_callback_secrets (organization_id, secret) VALUES ($1, $2) ON CONFLICT (organization_id) DO NOTHING`, [organizationId, newSecret()]);
    const [row] = await this.db.query<{ secret: string }[]>(`SELECT secret FROM status_callback_secrets WHERE organization_id = $1`, [organizationId]);
    return row.secret;
  }

  /**
   * The event's body, written once at its first attempt and sent unchanged after (every attempt and every
   * receiver): `{type, timestamp, data}`, `data` being the call's detail as in GET /status, or the campaign
   * as in GET /campaigns, as they are at that first attempt.
   */
  private async bodyOf(eventId: string, event: EventRow): Promise<string> {
    if (event.body) return event.body;
    const request = await this.db.getRepository(CallRequest).findOneBy({ id: event.call_request_id });
    let data: unknown;
    if (event.call_id) {
      const call = event.call_id ? await this.db.getRepository(Call).findOneBy({ id: event.call_id }) : null;
      data = request && call ? toDetailView(request.requestId, call) : { callId: event.call_id };
    } else {
      data = request ? toCampaignView(request) : {};
    }
    const body = JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data });
    const [row] = await this.db.query<{ body: string }[]>(`WITH written AS (UPDATE webhook_events SET body = coalesce(body, $2) WHERE id = $1 RETURNING body) SELECT body FROM written`, [eventId, body]);
    return row?.body ?? body;
  }

  private async succeeded(delivery: Claimed, at: Date, result: AttemptResult): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $2, last_attempt_at = $2, next_attempt_at = NULL,
         response_status = $3, response_body = $4, duration_ms = $5, last_error = NULL
       WHERE id = $1`,
      [delivery.id, at, result.status, result.body, result.durationMs],
    );
    if (delivery.endpoint_id) {
      await this.db.query(`UPDATE webhook_endpoints SET failing_since = NULL, updated_at = now() WHERE id = $1 AND failing_since IS NOT NULL`, [delivery.endpoint_id]);
    }
  }

  private async failed(delivery: Claimed, at: Date, result: AttemptResult): Promise<void> {
    const delay = retryDelayMs(this.settings.retryScheduleMs, delivery.attempts);
    await this.db.query(
      `UPDATE webhook_deliveries SET status = CASE WHEN $6::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, next_attempt_at = $6,
         last_attempt_at = $2, response_status = $3, response_body = $4, duration_ms = $5, last_error = $7
       WHERE id = $1 AND status = 'pending'`,
      [delivery.id, at, result.status, result.body, result.durationMs, delay === null ? null : new Date(at.getTime() + delay), result.error ?? `answered ${result.status}`],
    );
    if (!delivery.endpoint_id) return;
    // Failing since the first failure after the last success; past the window, the endpoint is disabled
    // and its pending deliveries suspended (PATCH enabled: true sends them again).
    await this.db.query(
      `WITH changed AS (UPDATE webhook_endpoints SET
         failing_since = coalesce(failing_since, $2::timestamptz),
         enabled = enabled AND NOT coalesce($2::timestamptz - failing_since >= $3::float8 * interval '1 millisecond', false),
         disabled_at = CASE WHEN enabled AND coalesce($2::timestamptz - failing_since >= $3::float8 * interval '1 millisecond', false) THEN $2::timestamptz ELSE disabled_at END,
         disabled_reason = CASE WHEN enabled AND coalesce($2::timestamptz - failing_since >= $3::float8 * interval '1 millisecond', false)
           THEN 'every delivery failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ELSE disabled_reason END,
         updated_at = now()
       WHERE id = $1
       RETURNING enabled
     ), suspended AS (
       UPDATE webhook_deliveries SET status = 'suspended' WHERE endpoint_id = $1 AND status = 'pending' AND EXISTS (SELECT 1 FROM changed WHERE NOT enabled)
     )
     SELECT 1`,
      [delivery.endpoint_id, at, this.settings.disableAfterMs],
    );
  }
}
