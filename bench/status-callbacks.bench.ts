import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { metric, ScenarioResult } from './support/report';
import { RunningService, withService } from './support/service';
import { round } from './support/stats';
import { fixedLengthCampaign } from './support/workload';

const CALLS = 5_000;
const LIMIT = 50;
const CALL_MS = 200;
const MESSAGE_CHARS = 20;
const COMPLETION_TIMEOUT_MS = 180_000;
const DELIVERY_TIMEOUT_MS = 300_000;
/** Attempts one worker sends at once with the 2 s receiver: 250 keeps up with 250 calls/s ending. */
const SLOW_RECEIVER_CONCURRENCY = 250;

/** A receiver on loopback answering 200 after `delayMs`; counts requests and distinct webhook-ids. */
async function startReceiver(delayMs: number) {
  const ids = new Set<string>();
  let requests = 0;
  let lastAt = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      ids.add(String(req.headers['webhook-id']));
      lastAt = performance.now();
      setTimeout(() => res.writeHead(200).end(), delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    counts: () => ({ requests, events: ids.size, lastAt }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Run {
  makespanMs: number;
  /** From the first dial until the receiver had every event (callbacks only). */
  allDeliveredMs?: number;
  requests?: number;
  events?: number;
}

async function makespan(service: RunningService, requestId: string): Promise<{ makespanMs: number; firstDialAt: number }> {
  const client = await service.database.connect();
  try {
    const { rows } = await client.query(
      `SELECT (extract(epoch FROM max(c.ended_at) - min(c.dialed_at)) * 1000)::float8 AS ms, (extract(epoch FROM min(c.dialed_at)) * 1000)::float8 AS first
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = $1`,
      [requestId],
    );
    return { makespanMs: rows[0].ms, firstDialAt: rows[0].first };
  } finally {
    await client.end();
  }
}

/** One 5,000-call campaign at limit 50 on a fresh service; with a receiver answering after `receiverDelayMs`, or none. */
async function run(receiverDelayMs: number | null): Promise<Run> {
  const receiver = receiverDelayMs === null ? null : await startReceiver(receiverDelayMs);
  const env = (): Record<string, string> => ({
    WEBHOOKS_ALLOW_INSECURE: 'true',
    WEBHOOKS_POLL_MS: '200',
    ...(receiverDelayMs !== null &&
      receiverDelayMs >= 1000 && { WEBHOOKS_CONCURRENCY: String(SLOW_RECEIVER_CONCURRENCY), WEBHOOKS_CONCURRENCY_PER_ENDPOINT: String(SLOW_RECEIVER_CONCURRENCY) }),
  });
  try {
    return await withService({ maxConcurrentCalls: LIMIT, simulatorScript: { msPerChar: CALL_MS / MESSAGE_CHARS, default: { ringMs: 0 } }, simulatorSpeed: 1, env }, async (service) => {
      if (receiver) await service.api.post('/organization/webhook-endpoints', { url: receiver.url, events: ['call.completed', 'campaign.completed'] });
      const { destinations, callFlow } = fixedLengthCampaign(CALLS, MESSAGE_CHARS);
      const requestId = `callbacks-${randomUUID()}`;
      await service.api.post('/call', JSON.stringify({ requestId, destinations, callFlow }));
      const submittedAt = performance.now();
      for (const deadline = Date.now() + COMPLETION_TIMEOUT_MS; ; ) {
        const { body } = await service.api.get(`/status/${requestId}?perPage=1`);
        if (body.status === 'completed') break;
        if (Date.now() > deadline) throw new Error(`campaign not completed: ${JSON.stringify(body.summary)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const { makespanMs } = await makespan(service, requestId);
      if (!receiver) return { makespanMs };
      for (const deadline = Date.now() + DELIVERY_TIMEOUT_MS; receiver.counts().events < CALLS + 1; ) {
        if (Date.now() > deadline) throw new Error(`only ${receiver.counts().events} of ${CALLS + 1} events arrived`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const counts = receiver.counts();
      return { makespanMs, allDeliveredMs: counts.lastAt - submittedAt, requests: counts.requests, events: counts.events };
    });
  } finally {
    await receiver?.close();
  }
}

/**
 * Issue 15's performance target for status callbacks: the dispatch scenario's campaign (5,000 calls of
 * 200 ms at limit 50) without callbacks, then with a call.completed endpoint answering in 1 ms, then in
 * 2 s. The makespan with callbacks stays within 1.05× of the one without, and every event is delivered.
 */
export async function runStatusCallbacks(): Promise<ScenarioResult> {
  const without = await run(null);
  const fast = await run(1);
  const slow = await run(2_000);
  const ratio = (r: Run) => round(r.makespanMs / without.makespanMs, 3);
  return {
    scenario: 'status-callbacks',
    metrics: [
      metric('makespan without callbacks', round(without.makespanMs / 1000, 2), 's'),
      metric('makespan with a 1 ms receiver / without', ratio(fast), '×', { op: '<=', value: 1.05 }),
      metric('makespan with a 2 s receiver / without', ratio(slow), '×', { op: '<=', value: 1.05 }),
      metric('events delivered (1 ms receiver)', fast.events!, '', { op: '==', value: CALLS + 1 }),
      metric('events delivered (2 s receiver)', slow.events!, '', { op: '==', value: CALLS + 1 }),
      metric('all delivered after submission (1 ms receiver)', round(fast.allDeliveredMs! / 1000, 2), 's'),
      metric('all delivered after submission (2 s receiver)', round(slow.allDeliveredMs! / 1000, 2), 's'),
    ],
    details: {
      calls: CALLS,
      limit: LIMIT,
      callMs: CALL_MS,
      slowReceiverConcurrency: SLOW_RECEIVER_CONCURRENCY,
      runs: { without, fast, slow },
    },
  };
}
