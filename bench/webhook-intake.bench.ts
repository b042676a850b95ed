import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { birdSignature } from '../src/voice/bird/bird-signature';
import { BirdDouble } from '../test/support/bird-double/bird-double';
import { MessageBirdDouble } from '../test/support/messagebird-double/messagebird-double';
import { signRequest } from '../test/support/messagebird-double/request-signer';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { metric, Metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { round } from './support/stats';

const CALLS = 200;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const MEASURE_SECONDS = 10;
/** One webhook in this many is a redelivery of an earlier one (same body, new signature). */
const DUPLICATE_EVERY = 10;
const ACCESS_KEY = 'bench-access-key';
const SIGNING_KEY = 'bench-signing-key';
const SETUP_TIMEOUT_MS = 60_000;
const BIRD_WORKSPACE_ID = '8bc02f53-87ac-48d2-b4fd-c2cf856a305f';
const BIRD_CHANNEL_ID = '880d8171-cbab-47bb-81b6-b1a0902da136';

interface LiveCall {
  callId: string;
  providerCallId: string;
  /** E.164 with its `+`. */
  destination: string;
}

interface Webhook {
  path: string;
  body: string;
}

/** What differs between the platforms' webhook intakes: their double, settings, webhook shape, signature and event log. */
interface IntakePlatform {
  name: string;
  startDouble(): Promise<{ url: string; stop(): Promise<void> }>;
  env(doubleUrl: string, baseUrl: string): Record<string, string>;
  /** A new webhook about `call` (a status report), the `sent`-th of the run. */
  webhook(call: LiveCall, sent: number): Webhook;
  headers(webhook: Webhook, url: string): Record<string, string>;
  /** Rows of webhooks recorded and redeliveries counted, in the platform's append-only log. */
  countSql: string;
}

const RINGING_FOR_AN_HOUR = { default: { ringMs: 3_600_000 } };
const at = (sent: number) => new Date(Date.UTC(2030, 0, 1) + sent).toISOString();

const MESSAGEBIRD: IntakePlatform = {
  name: 'MessageBird classic',
  async startDouble() {
    const double = new MessageBirdDouble({ accessKey: ACCESS_KEY, signingKey: SIGNING_KEY, script: RINGING_FOR_AN_HOUR });
    await double.start();
    return double;
  },
  env: (doubleUrl, baseUrl) => ({ VOICE_PROVIDER: 'messagebird', MESSAGEBIRD_ACCESS_KEY: ACCESS_KEY, MESSAGEBIRD_SIGNING_KEY: SIGNING_KEY, MESSAGEBIRD_BASE_URL: doubleUrl, PUBLIC_BASE_URL: baseUrl }),
  webhook(call, sent) {
    const now = at(sent);
    const destination = call.destination.slice(1);
    const leg = { id: `${call.providerCallId}-leg`, callId: call.providerCallId, source: '6582674904', destination, status: 'ringing', direction: 'outgoing', createdAt: now, updatedAt: now, answeredAt: null, endedAt: null };
    const payload = { id: call.providerCallId, status: 'starting', legs: [leg], createdAt: now, updatedAt: now, endedAt: null };
    return { path: `/webhooks/messagebird?callId=${call.callId}`, body: JSON.stringify({ timestamp: now, items: [{ type: 'call', event: 'callUpdated', payload }] }) };
  },
  headers: (webhook, url) => ({ 'messagebird-signature-jwt': signRequest(SIGNING_KEY, url, webhook.body) }),
  countSql: `SELECT count(*)::int AS records, coalesce(sum(duplicates), 0)::int AS duplicates FROM messagebird_events WHERE kind = 'webhook'`,
};

const BIRD: IntakePlatform = {
  name: 'Bird',
  async startDouble() {
    const double = new BirdDouble({ accessKey: ACCESS_KEY, signingKey: SIGNING_KEY, workspaceId: BIRD_WORKSPACE_ID, channelId: BIRD_CHANNEL_ID, script: RINGING_FOR_AN_HOUR });
    await double.start();
    return double;
  },
  env: (doubleUrl, baseUrl) => ({
    VOICE_PROVIDER: 'bird',
    BIRD_ACCESS_KEY: ACCESS_KEY,
    BIRD_SIGNING_KEY: SIGNING_KEY,
    BIRD_WORKSPACE_ID,
    BIRD_CHANNEL_ID,
    BIRD_BASE_URL: doubleUrl,
    PUBLIC_BASE_URL: baseUrl,
  }),
  webhook(call, sent) {
    const now = at(sent);
    const payload = { id: call.providerCallId, channelId: BIRD_CHANNEL_ID, from: '+6582674904', to: call.destination, direction: 'outgoing', status: 'ringing', createdAt: now, updatedAt: now };
    return { path: `/webhooks/bird?callId=${call.callId}`, body: JSON.stringify({ service: 'channels', event: 'voice.outbound', payload }) };
  },
  headers(webhook, url) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { 'messagebird-request-timestamp': timestamp, 'messagebird-signature': birdSignature(SIGNING_KEY, timestamp, url, webhook.body) };
  },
  countSql: `SELECT count(*)::int AS records, coalesce(sum(duplicates), 0)::int AS duplicates FROM bird_events`,
};

/**
 * Scenario 5: MessageBird webhook intake. 200 calls are placed on the MessageBird double and left
 * ringing; then autocannon posts signed callUpdated webhooks about them to POST /webhooks/messagebird
 * from 50 connections (each with a new body, one in ten a redelivery), and measures what the service
 * sustains: signature check, the append to messagebird_events with its deduplication, and the hand-over
 * to the worker over Redis, which applies it. Target: ≥ 2,000 webhooks/s with p99 ≤ 50 ms.
 */
export async function runWebhookIntake(): Promise<ScenarioResult> {
  const { metrics, details } = await measureIntake(MESSAGEBIRD);
  return { scenario: 'webhook-intake', metrics: [withTarget(metrics[0], { op: '>=', value: 2000 }), ...metrics.slice(1)], details };
}

/**
 * Scenario 5b: Bird webhook intake, the same load on POST /webhooks/bird (signed voice.outbound webhooks,
 * appended to bird_events), run right after MessageBird's in the same scenario so the two compare on the
 * same machine at the same time. Targets: Bird's webhooks/s ≥ 0.9 × MessageBird's, p99 ≤ 50 ms.
 */
export async function runBirdWebhookIntake(): Promise<ScenarioResult> {
  const messagebird = await measureIntake(MESSAGEBIRD);
  const bird = await measureIntake(BIRD);
  const ratio = messagebird.perSecond > 0 ? round(bird.perSecond / messagebird.perSecond, 2) : NaN;
  return {
    scenario: 'bird-webhook-intake',
    metrics: [
      ...bird.metrics,
      metric("Bird's webhooks/s ÷ MessageBird's (run just before)", ratio, '×', { op: '>=', value: 0.9 }),
      metric("MessageBird's webhooks accepted per second (the comparison)", messagebird.perSecond, '/s'),
      metric("MessageBird's latency p99 (the comparison)", messagebird.metrics[2].value, 'ms'),
    ],
    details: { bird: bird.details, messagebird: messagebird.details },
  };
}

function withTarget(m: Metric, target: { op: '>=' | '<=' | '=='; value: number }): Metric {
  return metric(m.name, m.value, m.unit, target);
}

async function measureIntake(platform: IntakePlatform): Promise<{ perSecond: number; metrics: Metric[]; details: Record<string, unknown> }> {
  const double = await platform.startDouble();
  try {
    return await withService({ maxConcurrentCalls: CALLS, simulatorScript: {}, env: (baseUrl) => platform.env(double.url, baseUrl) }, async (service) => {
      const requestId = `webhooks-${randomUUID()}`;
      const destinations = Array.from({ length: CALLS }, (_, i) => ({ phone: `+6580${String(i).padStart(6, '0')}`, caller: '+6582674904' }));
      await service.api.post('/call', JSON.stringify({ requestId, destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'hello' } }] } }));
      const calls = await waitForRingingCalls(service.api, requestId);
      const baseUrl = service.api.baseUrl;

      let sent = 0;
      const recent: Webhook[] = [];
      const nextWebhook = () => {
        sent++;
        let webhook: Webhook;
        if (sent % DUPLICATE_EVERY === 0 && recent.length > 0) {
          webhook = recent[sent % recent.length];
        } else {
          webhook = platform.webhook(calls[sent % calls.length], sent);
          if (recent.length < 1000) recent.push(webhook);
          else recent[sent % 1000] = webhook;
        }
        return {
          method: 'POST' as const,
          path: webhook.path,
          body: webhook.body,
          headers: { 'content-type': 'application/json', ...platform.headers(webhook, `${baseUrl}${webhook.path}`) },
        };
      };
      const load = (seconds: number) =>
        autocannon({ url: baseUrl, connections: CONNECTIONS, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, ...nextWebhook() }) }] });

      await load(WARMUP_SECONDS);
      const client = await service.database.connect();
      const countEvents = async () => (await client.query(platform.countSql)).rows[0];
      const before = await countEvents();
      const sentBefore = sent;
      const cpu = await startCpuMeter(service.pid, service.database.url);
      const result = await load(MEASURE_SECONDS);
      const split = await cpu.stop();
      const after = await countEvents();
      await client.end();

      const ok = result['2xx'];
      const perSecond = round(ok / MEASURE_SECONDS, 0);
      return {
        perSecond,
        metrics: [
          metric(`${platform.name}: webhooks accepted per second`, perSecond, '/s'),
          metric('latency p50', result.latency.p50, 'ms'),
          metric('latency p99', result.latency.p99, 'ms', { op: '<=', value: 50 }),
          metric('answers other than 2xx', result.non2xx + result.errors + result.timeouts, '', { op: '==', value: 0 }),
          metric('service CPU time per 1,000 webhooks', round((split.service / Math.max(ok, 1)) * 1000, 3), 's'),
        ],
        details: {
          calls: CALLS,
          connections: CONNECTIONS,
          seconds: MEASURE_SECONDS,
          duplicateEvery: DUPLICATE_EVERY,
          requestsSent: sent - sentBefore,
          accepted: ok,
          latencyMs: { mean: result.latency.average, p90: result.latency.p90, p97_5: result.latency.p97_5, max: result.latency.max },
          eventsRecorded: after.records - before.records,
          duplicatesCounted: after.duplicates - before.duplicates,
          cpuSeconds: roundSplit(split),
          otherProcessCores: otherProcessCores(split),
          serviceWarningLines: service.output().length,
          serviceWarningSample: service.output().slice(0, 3),
        },
      };
    });
  } finally {
    await double.stop();
  }
}

/** Waits until every call of the campaign is ringing on the double, and pairs our call ids with the platform's. */
async function waitForRingingCalls(api: { get: (path: string) => Promise<{ body: any }> }, requestId: string): Promise<LiveCall[]> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  for (;;) {
    const { body } = await api.get(`/status/${encodeURIComponent(requestId)}?perPage=1000`);
    const ringing = (body.details ?? []).filter((d: any) => d.call_state === 'ringing' && d.monitorData?.[0]?.uuid);
    if (ringing.length === CALLS) return ringing.map((d: any) => ({ callId: d.callId, providerCallId: d.monitorData[0].uuid, destination: d.destination }));
    if (Date.now() > deadline) throw new Error(`only ${ringing.length} of ${CALLS} calls ringing after ${SETUP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
