import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { birdSignature } from '../src/voice/bird/bird-signature';
import { BirdDouble } from '../test/support/bird-double/bird-double';
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
const WORKSPACE_ID = '8bc02f53-87ac-48d2-b4fd-c2cf856a305f';
const CHANNEL_ID = '880d8171-cbab-47bb-81b6-b1a0902da136';
const SETUP_TIMEOUT_MS = 60_000;

/**
 * Scenario 5b: Bird webhook intake, the same load as scenario 5 (webhook-intake, MessageBird) so the two
 * run back to back compare: 200 calls are placed on the Bird double and left ringing; autocannon posts
 * signed voice.outbound webhooks about them to POST /webhooks/bird from 50 connections (each body new, one
 * in ten a redelivery): signature check, the append to bird_events with its deduplication, the hand-over
 * to the worker over Redis. Target: ≥ 0.9 × MessageBird's webhooks/s of the same run, p99 ≤ 50 ms.
 */
export async function runBirdWebhookIntake(): Promise<ScenarioResult> {
  const double = new BirdDouble({ accessKey: ACCESS_KEY, signingKey: SIGNING_KEY, workspaceId: WORKSPACE_ID, channelId: CHANNEL_ID, script: { default: { ringMs: 3_600_000 } } });
  await double.start();
  try {
    return await withService(
      {
        maxConcurrentCalls: CALLS,
        simulatorScript: {},
        env: (baseUrl) => ({
          VOICE_PROVIDER: 'bird',
          BIRD_ACCESS_KEY: ACCESS_KEY,
          BIRD_SIGNING_KEY: SIGNING_KEY,
          BIRD_WORKSPACE_ID: WORKSPACE_ID,
          BIRD_CHANNEL_ID: CHANNEL_ID,
          BIRD_BASE_URL: double.url,
          PUBLIC_BASE_URL: baseUrl,
        }),
      },
      async (service) => {
        const requestId = `bird-webhooks-${randomUUID()}`;
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
            const payload = { id: call.providerCallId, channelId: CHANNEL_ID, from: '+6582674904', to: call.destination, direction: 'outgoing', status: 'ringing', createdAt: at, updatedAt: at };
            webhook = { path: `/webhooks/bird?callId=${call.callId}`, body: JSON.stringify({ service: 'channels', event: 'voice.outbound', payload }) };
            if (recent.length < 1000) recent.push(webhook);
            else recent[sent % 1000] = webhook;
          }
          const timestamp = String(Math.floor(Date.now() / 1000));
          return {
            method: 'POST' as const,
            path: webhook.path,
            body: webhook.body,
            headers: {
              'content-type': 'application/json',
              'messagebird-request-timestamp': timestamp,
              'messagebird-signature': birdSignature(SIGNING_KEY, timestamp, `${baseUrl}${webhook.path}`, webhook.body),
            },
          };
        };
        const load = (seconds: number) =>
          autocannon({ url: baseUrl, connections: CONNECTIONS, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, ...nextWebhook() }) }] });

        await load(WARMUP_SECONDS);
        const client = await service.database.connect();
        const countEvents = async () => (await client.query(`SELECT count(*)::int AS records, coalesce(sum(duplicates), 0)::int AS duplicates FROM bird_events`)).rows[0];
        const before = await countEvents();
        const sentBefore = sent;
        const cpu = await startCpuMeter(service.pid, service.database.url);
        const result = await load(MEASURE_SECONDS);
        const split = await cpu.stop();
        const after = await countEvents();
        await client.end();

        const ok = result['2xx'];
        return {
          scenario: 'bird-webhook-intake',
          metrics: [
            metric('webhooks accepted per second', round(ok / MEASURE_SECONDS, 0), '/s'),
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

/** Waits until every call of the campaign is ringing on the double, and pairs our call ids with Bird's. */
async function waitForRingingCalls(api: { get: (path: string) => Promise<{ body: any }> }, requestId: string): Promise<{ callId: string; providerCallId: string; destination: string }[]> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  for (;;) {
    const { body } = await api.get(`/status/${encodeURIComponent(requestId)}?perPage=1000`);
    const ringing = (body.details ?? []).filter((d: any) => d.call_state === 'ringing' && d.monitorData?.[0]?.uuid);
    if (ringing.length === CALLS) return ringing.map((d: any) => ({ callId: d.callId, providerCallId: d.monitorData[0].uuid, destination: d.destination }));
    if (Date.now() > deadline) throw new Error(`only ${ringing.length} of ${CALLS} calls ringing after ${SETUP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
