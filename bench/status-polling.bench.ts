import { randomUUID } from 'node:crypto';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { PacedLoadResult, PacedRequest, runPacedLoad } from './support/paced-load';
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
 * The load's pacing (bench/support/paced-load.ts): autocannon sends each connection's second's quota back to back
 * at the start of that connection's second, and one instance's connections share their start. With one instance
 * per connection (STEADY_SLICES = CONNECTIONS, started 20 ms apart), the 1,000 polls of a second arrive as 50 runs
 * of 20, each on its own connection: close to a steady 1,000/s, as many independent pollers make it. With
 * BURST_SLICES instances of 10 connections, they arrive as 5 bursts of 200, 10 at a time: measured too, for the
 * figures before this change, not held to the target.
 */
const STEADY_SLICES = CONNECTIONS;
const BURST_SLICES = 5;
/** The cost of a poll alone (as in request-cost): COST_POLLS polls after COST_WARMUP, COST_CONCURRENCY at a time. */
const COST_POLLS = 5_000;
const COST_WARMUP = 500;
const COST_CONCURRENCY = 4;

/**
 * Cheap polling (issue 17): one campaign of 100,000 calls kept queued (external usage = the whole limit, as in
 * status-paging), whose first page (perPage 100) is polled at 1,000 requests/s for 10 s with the ETag of its first
 * answer in If-None-Match: the share of 304s and the latencies. The floor, in the same run at the same rate: GET
 * /health (no key, no campaign). Before the paced load, the CPU of a poll alone (costPerPoll).
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
    const cost = await costPerPoll(`${service.api.baseUrl}${path}`, headers, service.pid, service.database.url);
    const paced = (slices: number, next: () => PacedRequest) => runPacedLoad({ url: service.api.baseUrl, rate: RATE, seconds: SECONDS, connections: CONNECTIONS, slices, next });
    const poll = (): PacedRequest => ({ method: 'GET', path, headers });
    const health = (): PacedRequest => ({ method: 'GET', path: '/health' });
    const cpu = await startCpuMeter(service.pid, service.database.url);
    const polls = await paced(STEADY_SLICES, poll);
    const split = await cpu.stop();
    const floor = await paced(STEADY_SLICES, health);
    const burstPolls = await paced(BURST_SLICES, poll);
    const burstFloor = await paced(BURST_SLICES, health);

    const notModified = polls.statusCounts['304'] ?? 0;
    const share = polls.responses > 0 ? notModified / polls.responses : 0;
    const show = (what: string, result: PacedLoadResult) =>
      console.log(`  ${what}: ${result.responses} answers (${JSON.stringify(result.statusCounts)}), p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
    show('polls', polls);
    show('floor GET /health', floor);
    show(`polls in ${BURST_SLICES} bursts a second`, burstPolls);
    show(`floor GET /health in ${BURST_SLICES} bursts a second`, burstFloor);
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
        metric(`service CPU per poll, ${COST_CONCURRENCY} in flight (nothing saturated)`, cost.serviceMs, 'ms'),
        metric(`PostgreSQL CPU per poll, ${COST_CONCURRENCY} in flight`, cost.postgresMs, 'ms'),
        metric(`polls in ${BURST_SLICES} bursts a second: p50`, burstPolls.latencyMs.p50, 'ms'),
        metric(`polls in ${BURST_SLICES} bursts a second: p99`, burstPolls.latencyMs.p99, 'ms'),
        metric(`floor in ${BURST_SLICES} bursts a second: p99`, burstFloor.latencyMs.p99, 'ms'),
      ],
      details: {
        calls: CALLS,
        perPage: PER_PAGE,
        pageBytes,
        rate: RATE,
        seconds: SECONDS,
        connections: CONNECTIONS,
        steadySlices: STEADY_SLICES,
        burstSlices: BURST_SLICES,
        polls,
        floor,
        burstPolls,
        burstFloor,
        cost,
        pollingCpuSeconds: roundSplit(split),
        otherProcessCores: otherProcessCores(split),
      },
    };
  });
}

/**
 * The service's and PostgreSQL's CPU per poll with a few polls in flight, so that nothing queues: what a poll
 * costs, apart from how the paced load's bursts share the cores.
 */
async function costPerPoll(url: string, headers: Record<string, string>, pid: number, databaseUrl: string): Promise<{ serviceMs: number; postgresMs: number }> {
  const polls = async (count: number) => {
    let next = 0;
    const worker = async () => {
      while (next++ < count) {
        const answer = await fetch(url, { headers });
        await answer.arrayBuffer();
        if (answer.status !== 304) throw new Error(`a poll with the current ETag answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: COST_CONCURRENCY }, worker));
  };
  await polls(COST_WARMUP);
  const cpu = await startCpuMeter(pid, databaseUrl);
  await polls(COST_POLLS);
  const split = await cpu.stop();
  return { serviceMs: round((split.service * 1000) / COST_POLLS, 3), postgresMs: round((split.postgres * 1000) / COST_POLLS, 3) };
}
