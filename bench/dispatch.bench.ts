import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { redisCommandsProcessed } from './support/infrastructure';
import { startActivitySampler } from './support/pg-activity';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { max, mean, percentile, round } from './support/stats';
import { fixedLengthCampaign } from './support/workload';
import { maxConcurrency } from '../test/support/call-timeline';

const CALLS = 5_000;
const LIMIT = 50;
const CALL_MS = 200;
const MESSAGE_CHARS = 20;
const MS_PER_CHAR = CALL_MS / MESSAGE_CHARS;
const COMPLETION_TIMEOUT_MS = 180_000;
const POLL_MS = 500;

interface Interval {
  /** Milliseconds since the first dial. */
  dialed: number;
  /** The simulator's answer (ringMs 0): dialed → answered is the hand-off from the dispatcher to the voice platform. */
  answered: number;
  ended: number;
  status: string | null;
}

/**
 * Scenario 2: 5,000 calls of 200 ms each (a 20-character play at 10 ms per character, no ringing)
 * through 50 slots. Ideal makespan: ceil(5000 / 50) × 200 ms = 20 s.
 */
export async function runDispatch(): Promise<ScenarioResult> {
  const simulatorScript = { msPerChar: MS_PER_CHAR, default: { ringMs: 0 } };
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript, simulatorSpeed: 1 }, async (service) => {
    const { destinations, callFlow } = fixedLengthCampaign(CALLS, MESSAGE_CHARS);
    const requestId = `dispatch-${randomUUID()}`;
    const body = JSON.stringify({ requestId, destinations, callFlow });

    const stats = await service.database.connect();
    const statsBefore = await postgresCounters(stats);
    const redisBefore = await redisCommandsProcessed();
    const cpu = await startCpuMeter(service.pid, service.database.url);
    const activity = await startActivitySampler(service.database.url);
    const submitted = await service.api.post('/call', body);
    const deadline = Date.now() + COMPLETION_TIMEOUT_MS;
    let polls = 0;
    for (;;) {
      const { body: status } = await service.api.get(`/status/${encodeURIComponent(requestId)}?page=1&perPage=1`);
      polls++;
      if (status.status === 'completed') break;
      if (Date.now() > deadline) throw new Error(`campaign not completed after ${COMPLETION_TIMEOUT_MS / 1000} s: ${JSON.stringify(status.summary)}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const split = await cpu.stop();
    const profile = await activity.stop();
    await new Promise((r) => setTimeout(r, 1500)); // idle backends flush their statistics within ~1 s
    const statsAfter = await postgresCounters(stats);
    const redisCommandsPerCall = round(((await redisCommandsProcessed()) - redisBefore) / CALLS, 1);
    await stats.end();
    const perCall = (key: keyof typeof statsAfter) => round((statsAfter[key] - statsBefore[key]) / CALLS, 2);

    const intervals = await readIntervals(service.database.connect, requestId);
    if (intervals.length !== CALLS) throw new Error(`expected ${CALLS} dialed and ended calls, found ${intervals.length}`);
    const answered = intervals.filter((c) => c.status === 'answered').length;

    const makespan = max(intervals.map((c) => c.ended)); // dialed times start at 0
    const ideal = Math.ceil(CALLS / LIMIT) * CALL_MS;
    const durations = intervals.map((c) => c.ended - c.dialed);
    const { latencies, negative } = slotRefillLatencies(intervals, LIMIT);

    return {
      scenario: 'dispatch',
      metrics: [
        metric('makespan', round(makespan / 1000, 3), 's'),
        metric('makespan / ideal (20 s)', round(makespan / ideal, 3), '×', { op: '<=', value: 1.05 }),
        metric('max observed concurrency', maxConcurrency(intervals), 'calls', { op: '==', value: LIMIT }),
        metric('mean call duration', round(mean(durations), 1), 'ms'),
        metric('slot refill latency p50', round(percentile(latencies, 50), 2), 'ms', { op: '<=', value: 2 }),
        metric('slot refill latency p99', round(percentile(latencies, 99), 2), 'ms', { op: '<=', value: 10 }),
        metric('refills before the freeing end (violations)', negative, '', { op: '==', value: 0 }),
        metric('service CPU time', round(split.service, 2), 's'),
      ],
      details: {
        calls: CALLS,
        limit: LIMIT,
        callMs: CALL_MS,
        answered,
        submitPostMs: round(submitted.ms, 1),
        idealMs: ideal,
        callDurationMs: { min: round(Math.min(...durations), 2), p50: round(percentile(durations, 50), 2), p99: round(percentile(durations, 99), 2), max: round(max(durations), 2) },
        perCallMs: {
          dialedToAnsweredP50: round(percentile(intervals.map((c) => c.answered - c.dialed), 50), 2),
          dialedToAnsweredP99: round(percentile(intervals.map((c) => c.answered - c.dialed), 99), 2),
          answeredToEndedP50: round(percentile(intervals.map((c) => c.ended - c.answered), 50), 2),
          answeredToEndedP99: round(percentile(intervals.map((c) => c.ended - c.answered), 99), 2),
        },
        redisCommandsPerCall,
        postgresPerCall: {
          transactions: perCall('commits'),
          callsRowsUpdated: perCall('updated'),
          callsRowsHotUpdated: perCall('hotUpdated'),
        },
        slotRefillLatencyMs: {
          counted: latencies.length,
          negative,
          p90: round(percentile(latencies, 90), 2),
          max: round(max(latencies), 2),
          mean: round(mean(latencies), 2),
        },
        cpuSeconds: roundSplit(split),
        otherProcessCores: otherProcessCores(split),
        postgresActivity: profile,
        statusPolls: polls,
        serviceWarningLines: service.output().length,
        serviceWarningSample: service.output().slice(0, 3),
      },
    };
  });
}

/** dialed_at and ended_at of every call, relative to the first dial, read directly from PostgreSQL. */
async function readIntervals(connect: () => Promise<Client>, requestId: string): Promise<Interval[]> {
  const client = await connect();
  try {
    const { rows } = await client.query(
      `WITH mine AS (
         SELECT c.* FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = $1
       ), t0 AS (SELECT min(dialed_at) AS t FROM mine)
       SELECT (extract(epoch FROM dialed_at - t0.t) * 1000)::float8 AS dialed,
              (extract(epoch FROM answered_at - t0.t) * 1000)::float8 AS answered,
              (extract(epoch FROM ended_at - t0.t) * 1000)::float8 AS ended,
              call_status AS status
       FROM mine, t0 WHERE dialed_at IS NOT NULL AND ended_at IS NOT NULL`,
      [requestId],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Cumulative counters of the database: transactions (one per statement outside BEGIN/COMMIT) and row updates of calls. */
async function postgresCounters(client: Client): Promise<{ commits: number; updated: number; hotUpdated: number }> {
  const { rows } = await client.query(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::float8 AS commits,
            n_tup_upd::float8 AS updated, n_tup_hot_upd::float8 AS "hotUpdated"
     FROM pg_stat_user_tables WHERE relname = 'calls'`,
  );
  return rows[0];
}

/**
 * With dials and ends each sorted ascending, the k-th dial (k ≥ limit, 0-based) was made possible by the
 * (k − limit)-th end: its latency is dialed[k] − ended[k − limit]. A negative value means a dial came before
 * a slot was free (a limit violation); those are counted, not included.
 */
export function slotRefillLatencies(intervals: Interval[], limit: number): { latencies: number[]; negative: number } {
  const dials = intervals.map((c) => c.dialed).sort((a, b) => a - b);
  const ends = intervals.map((c) => c.ended).sort((a, b) => a - b);
  const latencies: number[] = [];
  let negative = 0;
  for (let k = limit; k < dials.length; k++) {
    const latency = dials[k] - ends[k - limit];
    if (latency < 0) negative++;
    else latencies.push(latency);
  }
  return { latencies, negative };
}
