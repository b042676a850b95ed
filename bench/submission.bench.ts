import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CpuSplit, otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { metric, ScenarioResult } from './support/report';
import { RunningService, withService } from './support/service';
import { max, mean, median, round } from './support/stats';
import { billingDestinations, billingFlow } from './support/workload';

const DESTINATIONS = 10_000;
const MEASURED_POSTS = 7;
const PROBES = 3;
const RAW_INSERTS = 5;

/**
 * Scenario 1: POST /call with 10,000 destinations, against a raw bulk INSERT of 10,000 comparable rows.
 * The organization has 1 slot and callees ring for an hour, so dispatch does not compete with submission.
 */
export async function runSubmission(): Promise<ScenarioResult> {
  const simulatorScript = { default: { ringMs: 3_600_000 } };
  return withService({ maxConcurrentCalls: 1, simulatorScript }, async (service) => {
    const destinations = billingDestinations(DESTINATIONS);
    const callFlow = billingFlow();
    const bodyOf = (requestId: string, list = destinations) => JSON.stringify({ requestId, destinations: list, callFlow });

    // One warm-up POST (JIT, connection pool, caches), then the measured ones, each with a distinct requestId.
    const bodies = Array.from({ length: MEASURED_POSTS + 1 }, (_, i) => bodyOf(`submission-${i}-${randomUUID()}`));
    const postMs: number[] = [];
    const splits: CpuSplit[] = [];
    let warmupMs = NaN;
    for (const [i, body] of bodies.entries()) {
      const { ms, split } = await timedPost(service, body, 200);
      if (i === 0) {
        warmupMs = ms;
        continue;
      }
      postMs.push(ms);
      splits.push(split);
      const cpuMs = (seconds: number) => (seconds * 1000).toFixed(0);
      console.log(`  POST /call #${i}: ${ms.toFixed(0)} ms — CPU ms: service ${cpuMs(split.service)}, postgres ${cpuMs(split.postgres)}, other processes ${cpuMs(split.other)}`);
    }

    // Where the time goes, through the API alone (same body size, each stops before a later phase):
    //  - a last destination with an invalid phone: 400 from validation (body parsing, class-transformer, class-validator);
    //  - a resubmission of an already stored body: 200 after validation, rendering, hashing and the lookup, without inserting.
    const invalid = [...destinations.slice(0, -1), { ...destinations[DESTINATIONS - 1], phone: 'not-a-phone' }];
    const validationMs: number[] = [];
    const resubmissionMs: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      validationMs.push((await timedPost(service, bodyOf(`submission-invalid-${i}`, invalid), 400)).ms);
      resubmissionMs.push((await timedPost(service, bodies[1 + i], 200)).ms);
    }

    const rawMs = await rawBulkInsert(await service.database.connect());
    const postMedian = median(postMs);
    const rawMedian = median(rawMs);
    return {
      scenario: 'submission',
      metrics: [
        metric('POST /call 10k, median', round(postMedian, 1), 'ms', { op: '<=', value: 500 }),
        metric('POST /call 10k, max', round(max(postMs), 1), 'ms'),
        metric('raw INSERT 10k, median', round(rawMedian, 1), 'ms'),
        metric('POST median / raw INSERT median', round(postMedian / rawMedian, 2), '×', { op: '<=', value: 10 }),
      ],
      details: {
        destinations: DESTINATIONS,
        bodyBytes: Buffer.byteLength(bodies[0]),
        warmupPostMs: round(warmupMs, 1),
        postMs: postMs.map((v) => round(v, 1)),
        cpuSecondsPerPost: roundSplit(averageSplit(splits)),
        otherProcessCores: otherProcessCores(...splits),
        rawInsertMs: rawMs.map((v) => round(v, 1)),
        phases: {
          rejectedAtValidationMs: round(median(validationMs), 1),
          resubmissionMs: round(median(resubmissionMs), 1),
          derivedInsertTransactionMs: round(postMedian - median(resubmissionMs), 1),
          derivedRenderHashLookupMs: round(median(resubmissionMs) - median(validationMs), 1),
        },
      },
    };
  });
}

async function timedPost(service: RunningService, body: string, expectedStatus: number): Promise<{ ms: number; split: CpuSplit }> {
  const cpu = await startCpuMeter(service.pid, service.database.url);
  const response = await service.api.request<any>('POST', '/call', body, expectedStatus);
  const split = await cpu.stop();
  if (expectedStatus === 200 && response.body.summary?.total !== DESTINATIONS) throw new Error(`POST /call answered total ${response.body.summary?.total}`);
  return { ms: response.ms, split };
}

/**
 * The floor: 10,000 rows with the calls table's columns, defaults and indexes (CREATE TABLE ... LIKE calls
 * INCLUDING ALL, without its foreign keys), in one INSERT ... SELECT FROM jsonb_to_recordset.
 * The same rows the service stores (messages are rendered again when a call is dialed, not stored).
 * Timed from serializing the rows to the end of the statement; one warm-up, then RAW_INSERTS measured.
 */
async function rawBulkInsert(client: Client): Promise<number[]> {
  try {
    await client.query('CREATE TABLE bench_scratch_calls (LIKE calls INCLUDING ALL)');
    const rows = billingDestinations(DESTINATIONS).map((d, i) => ({ ...d, i }));
    const organizationId = randomUUID();
    const times: number[] = [];
    for (let run = 0; run <= RAW_INSERTS; run++) {
      const started = performance.now();
      await client.query(
        `INSERT INTO bench_scratch_calls (organization_id, call_request_id, destination_index, phone, caller, properties)
         SELECT $1, $2, d.i, d.phone, d.caller, d.properties
         FROM jsonb_to_recordset($3::jsonb) AS d(i int, phone text, caller text, properties jsonb)`,
        [organizationId, randomUUID(), JSON.stringify(rows)],
      );
      if (run > 0) times.push(performance.now() - started);
    }
    return times;
  } finally {
    await client.end();
  }
}

function averageSplit(splits: CpuSplit[]): CpuSplit {
  const keys = Object.keys(splits[0]) as (keyof CpuSplit)[];
  return Object.fromEntries(keys.map((key) => [key, mean(splits.map((s) => s[key]))])) as unknown as CpuSplit;
}
