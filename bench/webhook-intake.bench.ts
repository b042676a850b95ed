import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { MessageBirdDouble } from '../test/support/messagebird-double/messagebird-double';
import { signRequest } from '../test/support/messagebird-double/request-signer';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { metric, ScenarioResult } from './support/report';
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

interface LiveCall {
  callId: string;
  providerCallId: string;
  destination: string;
}

/**
 * Scenario 5: MessageBird webhook intake. 200 calls are placed on the MessageBird double and left
 * ringing; then autocannon posts signed callUpdated webhooks about them to POST /webhooks/messagebird
 * from 50 connections (each with a new body, one in ten a redelivery), and measures what the service
 * sustains: signature check, the append to messagebird_events with its deduplication, and the hand-over
 * to the worker over Redis, which applies it. Target: ≥ 2,000 webhooks/s with p99 ≤ 50 ms.
 */
export async function runWebhookIntake(): Promise<ScenarioResult> {
  const double = new MessageBirdDouble({ accessKey: ACCESS_KEY, signingKey: SIGNING_KEY, script: { default: { ringMs: 3_600_000 } } });
  await double.start();
  try {
    return await withService(
      {
        maxConcurrentCalls: CALLS,
        simulatorScript: {},
        env: (baseUrl) => ({
          VOICE_PROVIDER: 'messagebird',
          MESSAGEBIRD_ACCESS_KEY: ACCESS_KEY,
          MESSAGEBIRD_SIGNING_KEY: SIGNING_KEY,
          MESSAGEBIRD_BASE_URL: double.url,
          PUBLIC_BASE_URL: baseUrl,
        }),
      },
      async (service) => {
        const requestId = `webhooks-${randomUUID()}`;
        const destinations = Array.from({ length: CALLS }, (_, i) => ({ phone: `+6580${String(i).padStart(6, '0')}`, caller: '+6582674904' }));
        await service.api.post('/call', JSON.stringify({ requestId, destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'hello' } }] } }));
        const calls = await waitForRingingCalls(service.api, requestId);
        const baseUrl = service.api.baseUrl;

        let sent = 0;
        const recent: { path: string; body: string }[] = [];
        const nextWebhook = () => {
          sent++;
          let webhook: { path: string; body: string };
          if (sent % DUPLICATE_EVERY === 0 && recent.length > 0) {
            webhook = recent[sent % recent.length];
          } else {
            const call = calls[sent % calls.length];
            const at = new Date(Date.UTC(2030, 0, 1) + sent).toISOString();
            const leg = { id: `${call.providerCallId}-leg`, callId: call.providerCallId, source: '6582674904', destination: call.destination, status: 'ringing', direction: 'outgoing', createdAt: at, updatedAt: at, answeredAt: null, endedAt: null };
            const body = JSON.stringify({ timestamp: at, items: [{ type: 'call', event: 'callUpdated', payload: { id: call.providerCallId, status: 'starting', legs: [leg], createdAt: at, updatedAt: at, endedAt: null } }] });
            webhook = { path: `/webhooks/messagebird?callId=${call.callId}`, body };
            if (recent.length < 1000) recent.push(webhook);
            else recent[sent % 1000] = webhook;
          }
          return {
            method: 'POST' as const,
            path: webhook.path,
            body: webhook.body,
            headers: { 'content-type': 'application/json', 'messagebird-signature-jwt': signRequest(SIGNING_KEY, `${baseUrl}${webhook.path}`, webhook.body) },
          };
        };
        const load = (seconds: number) =>
          autocannon({ url: baseUrl, connections: CONNECTIONS, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, ...nextWebhook() }) }] });

        await load(WARMUP_SECONDS);
        const client = await service.database.connect();
        const countEvents = async () =>
          (await client.query(`SELECT count(*)::int AS records, coalesce(sum(duplicates), 0)::int AS duplicates FROM messagebird_events WHERE kind = 'webhook'`)).rows[0];
        const before = await countEvents();
        const sentBefore = sent;
        const cpu = await startCpuMeter(service.pid, service.database.url);
        const result = await load(MEASURE_SECONDS);
        const split = await cpu.stop();
        const after = await countEvents();
        await client.end();

        const ok = result['2xx'];
        const perSecond = ok / MEASURE_SECONDS;
        return {
          scenario: 'webhook-intake',
          metrics: [
            metric('webhooks accepted per second', round(perSecond, 0), '/s', { op: '>=', value: 2000 }),
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
      },
    );
  } finally {
    await double.stop();
  }
}

/** Waits until every call of the campaign is ringing on the double, and pairs our call ids with MessageBird's. */
async function waitForRingingCalls(api: { get: (path: string) => Promise<{ body: any }> }, requestId: string): Promise<LiveCall[]> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  for (;;) {
    const { body } = await api.get(`/status/${encodeURIComponent(requestId)}?perPage=1000`);
    const ringing = (body.details ?? []).filter((d: any) => d.call_state === 'ringing' && d.monitorData?.[0]?.uuid);
    if (ringing.length === CALLS) {
      return ringing.map((d: any) => ({ callId: d.callId, providerCallId: d.monitorData[0].uuid, destination: d.destination.replace(/^\+/, '') }));
    }
    if (Date.now() > deadline) throw new Error(`only ${ringing.length} of ${CALLS} calls ringing after ${SETUP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
