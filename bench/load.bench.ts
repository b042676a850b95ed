import { randomUUID } from 'node:crypto';
import { otherProcessCores, processRole, processTree, roundSplit, startCpuMeter } from './support/cpu';
import { checkConcurrency, checkStored, waitForEndsWritten, waitForCallsInFlight } from './support/load-checks';
import { processMemory } from './support/memory';
import { DESTINATIONS_PER_POST, runMixedLoad } from './support/mixed-load';
import { PacedLoadResult } from './support/paced-load';
import { Metric, metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { round } from './support/stats';
import { fixedLengthCampaign } from './support/workload';

/** The background campaign: 20,000 calls of 1 s each (20 characters at 50 ms) through 50 slots, ~400 s of calls. */
export const BACKGROUND_CALLS = 20_000;
export const LIMIT = 50;
const MESSAGE_CHARS = 20;
const MS_PER_CHAR = 50;
/** The default for every other number (the POSTed campaigns' calls, queued behind the background campaign). */
export const LOAD_SIMULATOR_SCRIPT = { msPerChar: MS_PER_CHAR, default: { ringMs: 0 } };

const POST_RATE = 200;
const GET_RATE = 1_000;
const SECONDS = 30;
const WARMUP_SECONDS = 3;
/** Enough that the client is not what limits the rates below ~250 ms (POST) and ~100 ms (GET) per answer. */
const POST_CONNECTIONS = 50;
const GET_CONNECTIONS = 100;

/**
 * The service's per-key rate limit (README "Security") is left at its default (2,000/s, burst 4,000),
 * above the ~1,200 requests/s sent here. BENCH_RATE_LIMIT_PER_SECOND passes another RATE_LIMIT_PER_SECOND
 * (e.g. 0: off) to the service, should a run meet 429s.
 */
export function rateLimitEnv(): Record<string, string> {
  return process.env.BENCH_RATE_LIMIT_PER_SECOND ? { RATE_LIMIT_PER_SECOND: process.env.BENCH_RATE_LIMIT_PER_SECOND } : {};
}

/** The background campaign, submitted; resolves once its first 50 calls are in progress. */
export async function startBackgroundCampaign(api: import('./support/api-client').ApiClient): Promise<string> {
  const { destinations, callFlow } = fixedLengthCampaign(BACKGROUND_CALLS, MESSAGE_CHARS);
  const requestId = `background-${randomUUID()}`;
  await api.post('/call', JSON.stringify({ requestId, destinations, callFlow }));
  await waitForCallsInFlight(api, LIMIT);
  return requestId;
}

export const failures = (r: PacedLoadResult): number => r.non2xx + r.errors;

/** API_PROCESSES of the two runs: one process (role all), then a primary with the worker part and 2 API processes. */
const API_PROCESS_COUNTS = [1, 2];

/**
 * Scenario 6: with a campaign running (20,000 calls, limit 50), for 30 s at the same time: POST /call
 * with 100 destinations at 200 requests/s and GET /status/{id}?page=P&perPage=100 of the running
 * campaign at 1,000 requests/s, with autocannon's rate limiting, one API key. Run twice, each on a fresh
 * service (simulator): API_PROCESSES=1 (one process of role all, as before) and API_PROCESSES=2 (issue 17:
 * the worker part and two API processes sharing the port). Targets, for each: the rates, zero errors or
 * non-2xx answers, the limit never exceeded.
 */
export async function runLoad(): Promise<ScenarioResult> {
  const runs: { apiProcesses: number; metrics: Metric[]; details: Record<string, unknown> }[] = [];
  for (const apiProcesses of API_PROCESS_COUNTS) {
    console.log(`  API_PROCESSES=${apiProcesses}`);
    runs.push({ apiProcesses, ...(await runLoadWith(apiProcesses)) });
  }
  return {
    scenario: 'load',
    metrics: runs.flatMap((run) => run.metrics.map((m) => ({ ...m, name: `[N=${run.apiProcesses}] ${m.name}` }))),
    details: {
      ...Object.fromEntries(runs.map((run) => [`apiProcesses${run.apiProcesses}`, run.details])),
      otherProcessCores: Math.max(...runs.map((run) => Number(run.details.otherProcessCores))),
    },
  };
}

async function runLoadWith(apiProcesses: number): Promise<{ metrics: Metric[]; details: Record<string, unknown> }> {
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript: LOAD_SIMULATOR_SCRIPT, simulatorSpeed: 1, env: rateLimitEnv, apiProcesses }, async (service) => {
    const background = await startBackgroundCampaign(service.api);
    const apiKey = service.api.authHeaders()['x-credential-api-key'];
    const common = { baseUrl: service.api.baseUrl, apiKey, postRate: POST_RATE, getRate: GET_RATE, statusRequestId: background, statusPages: BACKGROUND_CALLS / 100, postConnections: POST_CONNECTIONS, getConnections: GET_CONNECTIONS };
    const processes = () => processTree(service.pid);
    const apiPids = () => processes().filter((pid) => processRole(pid) === 'api');
    if (apiProcesses > 1 && apiPids().length !== apiProcesses) throw new Error(`expected ${apiProcesses} API processes, found ${apiPids().length}`);
    const rss = () => processes().reduce((sum, pid) => sum + processMemory(pid).rssKiB, 0);

    const warmup = await runMixedLoad({ ...common, seconds: WARMUP_SECONDS, requestIdPrefix: `warmup-${randomUUID().slice(0, 8)}` });
    const rssBefore = rss();
    const prefix = `load-${randomUUID().slice(0, 8)}`;
    const cpu = await startCpuMeter(service.pid, service.database.url);
    const from = new Date();
    const load = await runMixedLoad({ ...common, seconds: SECONDS, requestIdPrefix: prefix });
    const to = new Date();
    const split = await cpu.stop();
    const rssAfter = rss();

    const client = await service.database.connect();
    const stored = await checkStored(client, prefix, load.accepted, DESTINATIONS_PER_POST);
    const settle = await waitForEndsWritten(client, LIMIT);
    const concurrency = { ...(await checkConcurrency(client, background, from, to)), settle };
    await client.end();

    const { post, get } = load;
    const cores = (seconds: number) => round(seconds / split.wallSeconds, 2);
    // One process of role all, or: the primary (no role), the worker part, and the API processes.
    const byProcess = split.serviceProcesses.map((p) => ({ pid: p.pid, role: p.role ?? (apiProcesses > 1 ? 'primary' : 'all'), cores: cores(p.seconds) }));
    const apiCores = apiProcesses > 1 ? byProcess.filter((p) => p.role === 'api').reduce((sum, p) => sum + p.cores, 0) : cores(split.service);
    return {
      metrics: [
        metric('POST /call (100 destinations) achieved', post.achievedRate, 'req/s', { op: '>=', value: POST_RATE }),
        metric('POST /call errors + non-2xx', failures(post), '', { op: '==', value: 0 }),
        metric('POST /call latency p50', post.latencyMs.p50, 'ms'),
        metric('POST /call latency p99', post.latencyMs.p99, 'ms'),
        metric('POST /call latency max', post.latencyMs.max, 'ms'),
        metric('GET /status (perPage 100) achieved', get.achievedRate, 'req/s', { op: '>=', value: GET_RATE }),
        metric('GET /status errors + non-2xx', failures(get), '', { op: '==', value: 0 }),
        metric('GET /status latency p50', get.latencyMs.p50, 'ms'),
        metric('GET /status latency p99', get.latencyMs.p99, 'ms'),
        metric('GET /status latency max', get.latencyMs.max, 'ms'),
        metric('accepted campaigns not stored, or incomplete', stored.acceptedMissing + stored.incomplete, '', { op: '==', value: 0 }),
        metric('max calls in progress (limit 50)', concurrency.maxConcurrent, 'calls', { op: '<=', value: LIMIT }),
        metric('max calls in progress, ended calls only', concurrency.maxConcurrentOfEnded, 'calls', { op: '<=', value: LIMIT }),
        metric('calls dialed during the 30 s', concurrency.dialedInWindow, 'calls'),
        metric('service CPU (all its processes)', cores(split.service), 'cores'),
        metric(apiProcesses > 1 ? `CPU of the ${apiProcesses} API processes` : 'CPU of the one process (API and worker part)', round(apiCores, 2), 'cores'),
        metric('PostgreSQL CPU', cores(split.postgres), 'cores'),
        metric('load generator (benchmark process) CPU', cores(split.client), 'cores'),
      ],
      details: {
        apiProcesses,
        seconds: SECONDS,
        targetRates: { post: POST_RATE, get: GET_RATE },
        post,
        get,
        warmup: { post: summary(warmup.post), get: summary(warmup.get) },
        postsSent: load.sent,
        postsAccepted: load.accepted.length,
        stored,
        concurrency,
        backgroundRequestId: background,
        serviceRssMB: { before: round(rssBefore / 1024, 1), after: round(rssAfter / 1024, 1) },
        cpuSeconds: roundSplit(split),
        cpuCores: { service: cores(split.service), postgres: cores(split.postgres), redis: cores(split.redis), client: cores(split.client), other: cores(split.other) },
        serviceCpuByProcess: byProcess,
        otherProcessCores: otherProcessCores(split),
        serviceWarningLines: service.output().length,
        serviceWarningSample: service.output().slice(0, 5),
      },
    };
  });
}

export function summary(r: PacedLoadResult) {
  return { achievedRate: r.achievedRate, statusCounts: r.statusCounts, errors: r.errors, timeouts: r.timeouts, latencyMs: r.latencyMs, non2xxSamples: r.non2xxSamples };
}
