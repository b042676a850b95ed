import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { DataSource, In } from 'typeorm';
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
/** Successes within this window are recorded by one statement. */
const SUCCESS_FLUSH_MS = 20;
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

interface Prepared extends Claimed {
  target: string;
  body: string;
  secrets: string[];
  /** Its endpoint was failing when claimed: a success clears that. */
  endpointFailing: boolean;
}

interface PendingSuccess {
  delivery: Prepared;
  at: Date;
  result: AttemptResult;
  resolve: () => void;
  reject: (error: unknown) => void;
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
  /** Attempts in flight per receiver (endpoint id, or a campaign's URL). */
  private readonly inFlightByTarget = new Map<string, number>();
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lastPrune = 0;
  private readonly successes: PendingSuccess[] = [];
  private flushTimer?: NodeJS.Timeout;
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
        if (claimed.length > 0) for (const delivery of await this.prepare(claimed)) this.start(delivery);
        // Fewer than asked: nothing else is due, or only for receivers at their cap (their attempts wake us).
        if (claimed.length < free) await Promise.race([this.pause(this.settings.pollMs), ...(claimed.length > 0 || this.inFlight.size > 0 ? [this.anyDone()] : [])]);
      } catch (error) {
        if (!this.stopping) this.logger.warn(`webhook poll failed: ${(error as Error).message}`);
        await this.pause(this.settings.pollMs);
      }
    }
  }

  /** Settles when one of the attempts in flight is over. */
  private anyDone(): Promise<void> {
    return Promise.race([...this.inFlight]).then(() => undefined);
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

  private start(delivery: Prepared): void {
    const target = delivery.endpoint_id ?? delivery.url!;
    this.inFlightByTarget.set(target, (this.inFlightByTarget.get(target) ?? 0) + 1);
    const running: Promise<void> = this.deliver(delivery)
      .catch((error) => this.logger.error(`webhook delivery ${delivery.id} failed unexpectedly: ${error?.stack ?? error}`))
      .finally(() => {
        this.inFlight.delete(running);
        const left = (this.inFlightByTarget.get(target) ?? 1) - 1;
        if (left > 0) this.inFlightByTarget.set(target, left);
        else this.inFlightByTarget.delete(target);
      });
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

  /**
   * Claims up to `limit` due deliveries, oldest first, at most WEBHOOKS_CONCURRENCY_PER_ENDPOINT in flight
   * per receiver in this process: a receiver at its cap is skipped, so a slow or dead one (or one with a
   * huge backlog) never holds every slot while other organizations' events wait.
   */
  private claim(limit: number): Promise<Claimed[]> {
    const now = this.clock.now();
    const cap = this.settings.concurrencyPerEndpoint;
    const busy = Object.fromEntries(this.inFlightByTarget);
    const full = [...this.inFlightByTarget].filter(([, n]) => n >= cap).map(([target]) => target);
    return this.db.query(
      `WITH candidates AS (
         SELECT d.id, d.next_attempt_at, coalesce(d.endpoint_id::text, d.url) AS target FROM webhook_deliveries d
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1
           AND (d.endpoint_id IS NULL OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id AND w.enabled))
           AND NOT (coalesce(d.endpoint_id::text, d.url) = ANY ($4::text[]))
         ORDER BY d.next_attempt_at
         LIMIT $2 * 20
       ), fair AS (
         SELECT id FROM (
           SELECT id, next_attempt_at, target, row_number() OVER (PARTITION BY target ORDER BY next_attempt_at, id) AS n FROM candidates
         ) ranked
         WHERE n <= $5 - coalesce(($6::jsonb ->> target)::int, 0)
       ), due AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.id IN (SELECT id FROM fair) AND d.status = 'pending'
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
      [now, limit, new Date(now.getTime() + this.settings.timeoutMs + CLAIM_MARGIN_MS), full, cap, JSON.stringify(busy)],
    );
  }

  /**
   * What a claimed batch needs to be sent, read in one query: each delivery's event, its endpoint's URL and
   * secrets (or the organization's status-callback secret), and the bodies of events sent for the first time,
   * built and written in two more queries for the whole batch (a fast receiver must not cost the database a
   * handful of queries per delivery: the call path shares it).
   */
  private async prepare(claimed: Claimed[]): Promise<Prepared[]> {
    const rows = await this.db.query<(EventRow & { id: string; event_id: string; campaign_secret: string | null; endpoint_failing: boolean })[]>(
      `SELECT d.id, d.event_id, e.type, e.body, e.call_request_id, e.call_id, e.created_at,
         w.url AS endpoint_url, w.secret, w.previous_secret, w.previous_secret_until, (w.failing_since IS NOT NULL) AS endpoint_failing,
         s.secret AS campaign_secret
       FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id
         LEFT JOIN status_callback_secrets s ON s.organization_id = d.organization_id AND d.url IS NOT NULL
       WHERE d.id = ANY ($1::uuid[])`,
      [claimed.map((c) => c.id)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const bodies = await this.bodiesOf(rows);
    const prepared: Prepared[] = [];
    for (const delivery of claimed) {
      const row = byId.get(delivery.id);
      const target = delivery.url ?? row?.endpoint_url;
      if (!row || !target) continue; // the endpoint was deleted meanwhile (its deliveries with it)
      const secrets = delivery.endpoint_id
        ? this.endpointSecrets(row)
        : [row.campaign_secret ?? (await this.statusCallbackSecret(delivery.organization_id))];
      prepared.push({ ...delivery, target, body: bodies.get(row.event_id)!, secrets, endpointFailing: row.endpoint_failing });
    }
    return prepared;
  }

  /** One attempt of one delivery, and its outcome recorded. */
  private async deliver(delivery: Prepared): Promise<void> {
    const attemptAt = this.clock.now();
    const refusal = await urlRefusal(delivery.target, this.settings);
    const result: AttemptResult = refusal
      ? { status: null, body: null, durationMs: 0, error: `refused: ${refusal}` }
      : await postOnce(
          delivery.target,
          signedHeaders(delivery.event_id, new Date(), delivery.body, delivery.secrets),
          delivery.body,
          this.settings.timeoutMs,
          this.settings,
          this.shutdown.signal,
        );
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
   * Each event's body, written once at its first attempt and sent unchanged after (every attempt and every
   * receiver): `{type, timestamp, data}`, `data` being the call's detail as in GET /status, or the campaign
   * as in GET /campaigns, as they are at that first attempt.
   */
  private async bodiesOf(rows: (EventRow & { event_id: string })[]): Promise<Map<string, string>> {
    const bodies = new Map<string, string>();
    const missing = new Map<string, EventRow & { event_id: string }>();
    for (const row of rows) (row.body ? bodies.set(row.event_id, row.body) : missing.set(row.event_id, row));
    if (missing.size === 0) return bodies;
    const events = [...missing.values()];
    const requestIds = [...new Set(events.map((e) => e.call_request_id))];
    const callIds = [...new Set(events.flatMap((e) => (e.call_id ? [e.call_id] : [])))];
    const requests = new Map((await this.db.getRepository(CallRequest).findBy({ id: In(requestIds) })).map((r) => [r.id, r]));
    const calls = new Map((callIds.length > 0 ? await this.db.getRepository(Call).findBy({ id: In(callIds) }) : []).map((c) => [c.id, c]));
    const built = events.map((event) => {
      const request = requests.get(event.call_request_id);
      const call = event.call_id ? calls.get(event.call_id) : undefined;
      const data = event.call_id ? (request && call ? toDetailView(request.requestId, call) : { callId: event.call_id }) : request ? toCampaignView(request) : {};
      return { id: event.event_id, body: JSON.stringify({ type: event.type, timestamp: event.created_at.toISOString(), data }) };
    });
    // Another worker may have written one first (a lapsed claim): its body wins, so that every attempt sends the same.
    const written = await this.db.query<{ id: string; body: string }[]>(
      `WITH written AS (
         UPDATE webhook_events e SET body = coalesce(e.body, v.body) FROM unnest($1::uuid[], $2::text[]) AS v(id, body) WHERE e.id = v.id
         RETURNING e.id, e.body
       )
       SELECT id, body FROM written`,
      [built.map((b) => b.id), built.map((b) => b.body)],
    );
    for (const { id, body } of built) bodies.set(id, body);
    for (const { id, body } of written) bodies.set(id, body);
    return bodies;
  }

  /** Successes are recorded together, one statement per short window, not one per delivery. */
  private succeeded(delivery: Prepared, at: Date, result: AttemptResult): Promise<void> {
    return new Promise((resolve, reject) => {
      this.successes.push({ delivery, at, result, resolve, reject });
      this.flushTimer ??= setTimeout(() => void this.flushSuccesses(), SUCCESS_FLUSH_MS);
    });
  }

  private async flushSuccesses(): Promise<void> {
    this.flushTimer = undefined;
    const batch = this.successes.splice(0);
    if (batch.length === 0) return;
    const rows = batch.map(({ delivery, at, result }) => ({ id: delivery.id, at: at.toISOString(), status: result.status, body: result.body, duration: result.durationMs }));
    const recovered = [...new Set(batch.filter((s) => s.delivery.endpoint_id && s.delivery.endpointFailing).map((s) => s.delivery.endpoint_id!))];
    try {
      await this.db.query(
        `WITH r AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, at timestamptz, status int, body text, duration int)
         ), delivered AS (
           UPDATE webhook_deliveries d SET status = 'delivered', delivered_at = r.at, last_attempt_at = r.at, next_attempt_at = NULL,
             response_status = r.status, response_body = r.body, duration_ms = r.duration, last_error = NULL
           FROM r WHERE d.id = r.id
         ), recovered AS (
           UPDATE webhook_endpoints SET failing_since = NULL, updated_at = now() WHERE id = ANY ($2::uuid[]) AND failing_since IS NOT NULL
         )
         SELECT 1`,
        [JSON.stringify(rows), recovered],
      );
      for (const success of batch) success.resolve();
    } catch (error) {
      for (const success of batch) success.reject(error);
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
