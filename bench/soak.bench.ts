import { randomUUID } from 'node:crypto';
import { BACKGROUND_CALLS, failures, LIMIT, LOAD_SIMULATOR_SCRIPT, rateLimitEnv, startBackgroundCampaign, summary } from './load.bench';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { checkConcurrency, checkStored, waitForEndsWritten } from './support/load-checks';
import { processMemory } from './support/memory';
import { DESTINATIONS_PER_POST, runMixedLoad } from './support/mixed-load';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { round } from './support/stats';

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** SOAK_SECONDS (default 600) of load; RSS growth is measured from the end of the warm-up (60 s) to the end. */
const SECONDS = envNumber('SOAK_SECONDS', 600);
const WARMUP_SECONDS = Math.min(60, Math.floor(SECONDS / 4));
/**
 * A rate the one service process sustains with room to spare (SOAK_POST_RATE, SOAK_GET_RATE): the `load`
 * scenario's 200 + 1,000/s saturates it at ~25 POST/s + ~90 GET/s on this 2-core machine.
 */
const POST_RATE = envNumber('SOAK_POST_RATE', 10);
const GET_RATE = envNumber('SOAK_GET_RATE', 50);
const SAMPLE_MS = 5_000;
const METRICS_TOKEN = 'bench-metrics-token';

interface Sample {
  /** Seconds since the load started. */
  at: number;
  rssMB: number;
  /** From the service's own GET /metrics (prom-client: process.memoryUsage()). */
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
}

const MB = (bytes: number) => round(bytes / 1e6, 1);

/** Scenario 7: the mixed load of `load` at a sustainable rate for 10 minutes; the service's RSS must grow < 10 % after the warm-up. */
export async function runSoak(): Promise<ScenarioResult> {
  const env = () => ({ ...rateLimitEnv(), METRICS_TOKEN });
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript: LOAD_SIMULATOR_SCRIPT, simulatorSpeed: 1, env }, async (service) => {
    const background = await startBackgroundCampaign(service.api);
    const apiKey = service.api.authHeaders()['x-credential-api-key'];
    const prefix = `soak-${randomUUID().slice(0, 8)}`;

    const heap = async (): Promise<Pick<Sample, 'heapUsedMB' | 'heapTotalMB' | 'externalMB'>> => {
      try {
        const text = await (await fetch(`${service.api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        const gauge = (name: string) => MB(Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)`, 'm').exec(text)?.[1] ?? NaN));
        return { heapUsedMB: gauge('nodejs_heap_size_used_bytes'), heapTotalMB: gauge('nodejs_heap_size_total_bytes'), externalMB: gauge('nodejs_external_memory_bytes') };
      } catch {
        return { heapUsedMB: NaN, heapTotalMB: NaN, externalMB: NaN };
      }
    };
    const samples: Sample[] = [];
    const started = performance.now();
    const takeSample = async () => {
      const at = round((performance.now() - started) / 1000, 1);
      const rssMB = MB(processMemory(service.pid).rssKiB * 1024);
      samples.push({ at, rssMB, ...(await heap()) });
    };
    await takeSample();
    const sampler = setInterval(() => void takeSample(), SAMPLE_MS);
    const progress = setInterval(() => {
      const last = samples[samples.length - 1];
      console.log(`  soak: ${Math.round((performance.now() - started) / 1000)} s, RSS ${last?.rssMB} MB, heap used ${last?.heapUsedMB} MB`);
    }, 60_000);

    const cpu = await startCpuMeter(service.pid, service.database.url);
    const from = new Date();
    let load;
    try {
      load = await runMixedLoad({
        baseUrl: service.api.baseUrl,
        apiKey,
        postRate: POST_RATE,
        getRate: GET_RATE,
        seconds: SECONDS,
        statusRequestId: background,
        statusPages: BACKGROUND_CALLS / 100,
        requestIdPrefix: prefix,
      });
    } finally {
      clearInterval(sampler);
      clearInterval(progress);
    }
    const to = new Date();
    const split = await cpu.stop();
    await takeSample();

    const client = await service.database.connect();
    const stored = await checkStored(client, prefix, load.accepted, DESTINATIONS_PER_POST);
    const settle = await waitForEndsWritten(client, LIMIT);
    const concurrency = { ...(await checkConcurrency(client, background, from, to)), settle };
    await client.end();

    samples.sort((a, b) => a.at - b.at);
    const afterWarmup = samples.find((s) => s.at >= WARMUP_SECONDS) ?? samples[0];
    const last = samples[samples.length - 1];
    const measured = samples.filter((s) => s.at >= afterWarmup.at);
    const growth = (last.rssMB - afterWarmup.rssMB) / afterWarmup.rssMB;
    const cores = (seconds: number) => round(seconds / split.wallSeconds, 2);
    const { post, get } = load;

    return {
      scenario: 'soak',
      metrics: [
        metric(`RSS growth after the ${WARMUP_SECONDS} s warm-up`, round(growth * 100, 1), '%', { op: '<=', value: 10 }),
        metric('RSS after the warm-up', afterWarmup.rssMB, 'MB'),
        metric('RSS at the end', last.rssMB, 'MB'),
        metric('RSS trend after the warm-up', round(slopePerMinute(measured, (s) => s.rssMB), 2), 'MB/min'),
        metric('heap used trend after the warm-up', round(slopePerMinute(measured, (s) => s.heapUsedMB), 2), 'MB/min'),
        metric(`POST /call achieved (of ${POST_RATE}/s)`, post.achievedRate, 'req/s', { op: '>=', value: POST_RATE }),
        metric(`GET /status achieved (of ${GET_RATE}/s)`, get.achievedRate, 'req/s', { op: '>=', value: GET_RATE }),
        metric('errors + non-2xx (POST + GET)', failures(post) + failures(get), '', { op: '==', value: 0 }),
        metric('POST /call latency p99', post.latencyMs.p99, 'ms'),
        metric('GET /status latency p99', get.latencyMs.p99, 'ms'),
        metric('accepted campaigns not stored, or incomplete', stored.acceptedMissing + stored.incomplete, '', { op: '==', value: 0 }),
        metric('max calls in progress (limit 50)', concurrency.maxConcurrent, 'calls', { op: '<=', value: LIMIT }),
        metric('service CPU', cores(split.service), 'cores'),
        metric('load generator (benchmark process) CPU', cores(split.client), 'cores'),
      ],
      details: {
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        targetRates: { post: POST_RATE, get: GET_RATE },
        rss: rssSummary(samples, afterWarmup, last),
        heapUsed: seriesSummary(measured, (s) => s.heapUsedMB),
        external: seriesSummary(measured, (s) => s.externalMB),
        samples: samples.map((s) => [s.at, s.rssMB, s.heapUsedMB, s.heapTotalMB, s.externalMB]),
        samplesColumns: ['s', 'rssMB', 'heapUsedMB', 'heapTotalMB', 'externalMB'],
        post: summary(post),
        get: summary(get),
        postsSent: load.sent,
        postsAccepted: load.accepted.length,
        stored,
        concurrency,
        cpuSeconds: roundSplit(split),
        cpuCores: { service: cores(split.service), postgres: cores(split.postgres), redis: cores(split.redis), client: cores(split.client), other: cores(split.other) },
        otherProcessCores: otherProcessCores(split),
        serviceWarningLines: service.output().length,
        serviceWarningSample: service.output().slice(0, 5),
      },
    };
  });
}

/** Least-squares slope of a series, per minute. */
function slopePerMinute(samples: Sample[], value: (s: Sample) => number): number {
  const points = samples.filter((s) => Number.isFinite(value(s)));
  if (points.length < 2) return NaN;
  const mx = points.reduce((sum, s) => sum + s.at, 0) / points.length;
  const my = points.reduce((sum, s) => sum + value(s), 0) / points.length;
  const num = points.reduce((sum, s) => sum + (s.at - mx) * (value(s) - my), 0);
  const den = points.reduce((sum, s) => sum + (s.at - mx) ** 2, 0);
  return (num / den) * 60;
}

/** min / max / first / last, and the mean of each minute (a coarse trend). */
function seriesSummary(samples: Sample[], value: (s: Sample) => number) {
  const values = samples.map(value).filter(Number.isFinite);
  const minutes = new Map<number, number[]>();
  for (const s of samples) {
    if (!Number.isFinite(value(s))) continue;
    const minute = Math.floor(s.at / 60);
    minutes.set(minute, [...(minutes.get(minute) ?? []), value(s)]);
  }
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    first: values[0],
    last: values[values.length - 1],
    trendMBPerMin: round(slopePerMinute(samples, value), 2),
    meanPerMinute: [...minutes].map(([minute, v]) => [minute, round(v.reduce((a, b) => a + b, 0) / v.length, 1)]),
  };
}

function rssSummary(all: Sample[], afterWarmup: Sample, last: Sample) {
  return {
    atStartMB: all[0].rssMB,
    afterWarmupMB: afterWarmup.rssMB,
    afterWarmupAt: afterWarmup.at,
    endMB: last.rssMB,
    ...seriesSummary(all.filter((s) => s.at >= afterWarmup.at), (s) => s.rssMB),
  };
}
