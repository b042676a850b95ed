import { randomUUID } from 'node:crypto';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { runPacedLoad } from './support/paced-load';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { round } from './support/stats';
import { billingDestinations, billingFlow } from './support/workload';

const CALLS = 100_000;
const PER_PAGE = 100;
const RATE = 1_000;
const SECONDS = 10;
const CONNECTIONS = 50;
const LIMIT = 1;

/**
 * Cheap polling (issue 17): one campaign of 100,000 calls kept queued (external usage = the whole limit, as in
 * status-paging), whose first page (perPage 100) is polled at 1,000 requests/s for 10 s with the ETag of its first
 * answer in If-None-Match: the share of 304s and the latencies. The floor, in the same run at the same rate: GET
 * /health (no key, no campaign).
 */
export async function runStatusPolling(): Promise<ScenarioResult> {
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript: {} }, async (service) => {
    const usage = await service.api.put('/organization/usage', { externalOngoingCalls: LIMIT });
    if (usage.body.free !== 0) throw new Error(`expected no free slot, usage is ${JSON.stringify(usage.body)}`);
    const requestId = `polling-${randomUUID()}`;
    const submitted = await service.api.post('/call', JSON.stringify({ requestId, destinations: billingDestinations(CALLS), callFlow: billingFlow() }));
    if (submitted.body.summary?.queued !== CALLS) throw new Error(`expected ${CALLS} queued calls, summary ${JSON.stringify(submitted.body.summary)}`);

    const path = `/status/${encodeURIComponent(requestId)}?page=1&perPage=${PER_PAGE}`;
    const first = await fetch(`${service.api.baseUrl}${path}`, { headers: service.api.authHeaders() });
    const etag = first.headers.get('etag');
    const pageBytes = Buffer.byteLength(await first.text());
    if (!etag) throw new Error(`GET ${path} answered ${first.status} without an ETag`);
    console.log(`  ${CALLS.toLocaleString('en-US')} queued calls; page 1 is ${pageBytes.toLocaleString('en-US')} bytes, ETag ${etag}`);

    const headers = { ...service.api.authHeaders(), 'if-none-match': etag };
    const cpu = await startCpuMeter(service.pid, service.database.url);
    const polls = await runPacedLoad({ url: service.api.baseUrl, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, next: () => ({ method: 'GET', path, headers }) });
    const split = await cpu.stop();
    const floor = await runPacedLoad({ url: service.api.baseUrl, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, next: () => ({ method: 'GET', path: '/health' }) });

    const notModified = polls.statusCounts['304'] ?? 0;
    const share = polls.responses > 0 ? notModified / polls.responses : 0;
    console.log(`  polls: ${polls.responses} answers (${JSON.stringify(polls.statusCounts)}), p50 ${polls.latencyMs.p50} ms, p99 ${polls.latencyMs.p99} ms`);
    console.log(`  floor GET /health: ${floor.responses} answers, p50 ${floor.latencyMs.p50} ms, p99 ${floor.latencyMs.p99} ms`);
    return {
      scenario: 'status-polling',
      metrics: [
        metric('polls answered per second (target rate 1,000)', polls.achievedRate, 'req/s', { op: '>=', value: 950 }),
        metric('share of polls answered 304', round(share, 4), '', { op: '>=', value: 0.9 }),
        metric('poll p50', polls.latencyMs.p50, 'ms'),
        metric('poll p99', polls.latencyMs.p99, 'ms', { op: '<=', value: 20 }),
        metric('floor: GET /health at the same rate, p50', floor.latencyMs.p50, 'ms'),
        metric('floor: GET /health at the same rate, p99', floor.latencyMs.p99, 'ms'),
        metric('service CPU per poll', round((split.service * 1000) / Math.max(1, polls.responses), 3), 'ms'),
        metric('PostgreSQL CPU per poll', round((split.postgres * 1000) / Math.max(1, polls.responses), 3), 'ms'),
      ],
      details: {
        calls: CALLS,
        perPage: PER_PAGE,
        pageBytes,
        rate: RATE,
        seconds: SECONDS,
        connections: CONNECTIONS,
        polls,
        floor,
        pollingCpuSeconds: roundSplit(split),
        otherProcessCores: otherProcessCores(split),
      },
    };
  });
}
