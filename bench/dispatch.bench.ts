import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { redisCommandsProcessed } from './support/infrastructure';
import { startActivitySampler } from './support/pg-activity';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { max, mean, percentile, round } from './support/stats';
import { fixedLengthCampaign } from './support/workload';
import { MIXED_COUNTRIES, mixedPhoneSource } from './support/phone-numbers';
import { dialsWithin, instantDeviation, slotTimeWithin } from './support/slot-shares';
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
 * Scenario 2, in one invocation: the single-campaign run below, then four campaigns sharing the same limit
 * (runSharedSlots, issue 18), each on a fresh service. The second run's figures are named "4 campaigns: …".
 */
export async function runDispatch(): Promise<ScenarioResult> {
  const single = await runSingleCampaign();
  try {
    const shared = await runSharedSlots();
    return {
      scenario: 'dispatch',
      metrics: [...single.metrics, ...shared.metrics],
      details: {
        ...single.details,
        otherProcessCores: Math.max(Number(single.details.otherProcessCores ?? 0), Number(shared.details.otherProcessCores ?? 0)),
        singleCampaignOtherProcessCores: single.details.otherProcessCores,
        fourCampaigns: shared.details,
      },
    };
  } catch (error) {
    console.error(`  the 4-campaign run broke: ${(error as Error)?.stack ?? error}`);
    return { ...single, error: `4 campaigns: ${String((error as Error)?.message ?? error)}` };
  }
}

/**
 * 5,000 calls of 200 ms each (a 20-character play at 10 ms per character, no ringing)
 * through 50 slots. Ideal makespan: ceil(5000 / 50) × 200 ms = 20 s.
 */
async function runSingleCampaign(): Promise<ScenarioResult> {
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
        slotRefillLatencyMs: refillLatencySummary(latencies, negative),
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

/** The 4-campaign run (issue 18): who shares the slots, in submission order (the 9 last, so FIFO would serve it last). */
const SHARED_CAMPAIGNS = [
  { key: 'p5-a', priority: 5, weight: 1 },
  { key: 'p5-b', priority: 5, weight: 1 },
  { key: 'p5-w2', priority: 5, weight: 2 },
  { key: 'p9', priority: 9, weight: 1 },
] as const;
const SHARED_CALLS_EACH = 2_000;
const SHARED_CALLS = SHARED_CALLS_EACH * SHARED_CAMPAIGNS.length;
/** startAt is this far ahead of the moment the bodies are ready: the four POSTs take well under a second. */
const START_LEAD_MS = 4_000;
const PHONE_SEED = 18;
/** A share is on target when within 5 % (relative) of it. */
const SHARE_TOLERANCE = 0.05;
/** Dials this close together are taken to be one claim statement's rows (see window 1 below). */
const SAME_CLAIM_MS = 1;

interface CampaignInterval extends Interval {
  campaign: string;
}

/**
 * Four campaigns of 2,000 calls each (the same 200 ms calls) at limit 50: priorities 5, 5, 5 (weight 2) and 9.
 * All four are submitted with the same `startAt` a few seconds ahead, so that every call is stored (scheduled)
 * before any is dialed and the scheduler releases them together; back to back without startAt, the first
 * campaign would be dialing alone while the others' POSTs are still being rendered and inserted. Phone numbers:
 * 8,000 distinct valid numbers of SG, US (NANP), GB, IN, DE, AU, BR and NL (bench/support/phone-numbers.ts).
 *
 * Windows, from each call's dialed_at/ended_at in PostgreSQL:
 * 1. the 9 has calls waiting: from its first dial (it is released last: the scheduler releases in queue order,
 *    so the three 5s are waiting by then) to its last dial. Target: the 9 holds ~all the slots, the 5s get no dial.
 * 2. the three 5s have calls waiting, the 9 none: from the 9's last dial to the first 5 to run out (its last
 *    dial). Target: 1:1:2 of the slots held (25 %, 25 %, 50 %), each within 5 % of its target.
 * Shares are slot-seconds (each call's overlap with the window) over the slot-seconds held by all calls in it.
 */
async function runSharedSlots(): Promise<ScenarioResult> {
  const simulatorScript = { msPerChar: MS_PER_CHAR, default: { ringMs: 0 } };
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript, simulatorSpeed: 1 }, async (service) => {
    const phones = mixedPhoneSource(PHONE_SEED);
    const prepared = SHARED_CAMPAIGNS.map((c) => {
      const { destinations, callFlow } = fixedLengthCampaign(SHARED_CALLS_EACH, MESSAGE_CHARS);
      for (const d of destinations) d.phone = phones.next().e164;
      return { ...c, requestId: `dispatch-${c.key}-${randomUUID()}`, destinations, callFlow };
    });
    const startAt = new Date(Date.now() + START_LEAD_MS);
    const bodies = prepared.map((c) =>
      JSON.stringify({
        requestId: c.requestId,
        destinations: c.destinations,
        callFlow: c.callFlow,
        priority: c.priority,
        ...(c.weight !== 1 ? { weight: c.weight } : {}),
        startAt: startAt.toISOString(),
      }),
    );

    const cpu = await startCpuMeter(service.pid, service.database.url);
    const postMs: number[] = [];
    for (const body of bodies) postMs.push(round((await service.api.post('/call', body)).ms, 1));
    const marginBeforeStartMs = startAt.getTime() - Date.now();
    if (marginBeforeStartMs <= 0) throw new Error(`the four POSTs ended ${-marginBeforeStartMs} ms after startAt: the campaigns were not released together`);

    const deadline = startAt.getTime() + COMPLETION_TIMEOUT_MS;
    const pending = new Set(prepared.map((c) => c.requestId));
    let polls = 0;
    while (pending.size > 0) {
      for (const requestId of [...pending]) {
        const { body: status } = await service.api.get(`/status/${encodeURIComponent(requestId)}?page=1&perPage=1`);
        polls++;
        if (status.status === 'completed') pending.delete(requestId);
        else if (Date.now() > deadline) throw new Error(`campaign ${requestId} not completed after ${COMPLETION_TIMEOUT_MS / 1000} s: ${JSON.stringify(status.summary)}`);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const split = await cpu.stop();

    const { intervals, t0 } = await readCampaignIntervals(service.database.connect, prepared.map((c) => c.requestId));
    if (intervals.length !== SHARED_CALLS) throw new Error(`expected ${SHARED_CALLS} dialed and ended calls, found ${intervals.length}`);
    const byKey = (key: string) => intervals.filter((c) => c.campaign === prepared.find((p) => p.key === key)!.requestId);
    const of = Object.fromEntries(SHARED_CAMPAIGNS.map((c) => [c.key, byKey(c.key)])) as Record<string, CampaignInterval[]>;
    for (const c of SHARED_CAMPAIGNS) if (of[c.key].length !== SHARED_CALLS_EACH) throw new Error(`${c.key}: ${of[c.key].length} calls, expected ${SHARED_CALLS_EACH}`);
    const lowKeys = SHARED_CAMPAIGNS.filter((c) => c.priority === 5).map((c) => c.key);
    const firstDial = (key: string) => Math.min(...of[key].map((c) => c.dialed));
    const lastDial = (key: string) => max(of[key].map((c) => c.dialed));

    const makespan = max(intervals.map((c) => c.ended)); // dialed times start at 0
    const ideal = Math.ceil(SHARED_CALLS / LIMIT) * CALL_MS;
    const { latencies, negative } = slotRefillLatencies(intervals, LIMIT);

    const shares = (from: number, to: number, keys: readonly string[]) => {
      const held = Object.fromEntries(keys.map((k) => [k, slotTimeWithin(of[k], from, to)]));
      const total = slotTimeWithin(intervals, from, to);
      return Object.fromEntries(
        keys.map((k) => [
          k,
          {
            share: held[k] / total,
            ofLimit: held[k] / (LIMIT * (to - from)),
            meanSlots: round(held[k] / (to - from), 2),
            dials: dialsWithin(of[k], from, to),
          },
        ]),
      );
    };
    const allKeys = SHARED_CAMPAIGNS.map((c) => c.key);
    // Window 1: the 9 has calls waiting (first to last dial), the three 5s too (none runs out before it).
    const w1 = { from: firstDial('p9'), to: lastDial('p9') };
    const w1Shares = shares(w1.from, w1.to, allKeys);
    // The claim that takes the 9's last calls gives its other free slots to the 5s (rightly: the 9 has none left), and
    // PostgreSQL stamps each row of that one UPDATE with its own clock_timestamp(), in no campaign order, so some of
    // those dials come a fraction of a millisecond before the 9's last one. Dials of the 5s taken from the 9 are
    // those before that last claim: more than SAME_CLAIM_MS before the 9's last dial.
    const lowDialsInW1 = lowKeys.reduce((n, k) => n + dialsWithin(of[k], w1.from, w1.to - SAME_CLAIM_MS), 0);
    const lowShareInW1 = lowKeys.reduce((n, k) => n + w1Shares[k].share, 0);
    const lowsWaitingThroughW1 = lowKeys.every((k) => lastDial(k) > w1.to);
    // Window 2: the 9 has nothing left to dial, the three 5s still wait, until the first of them runs out.
    const exhausted = [...lowKeys].sort((a, b) => lastDial(a) - lastDial(b));
    const w2 = { from: w1.to, to: lastDial(exhausted[0]) };
    const w2Shares = shares(w2.from, w2.to, allKeys);
    const lowWeightSum = lowKeys.reduce((n, k) => n + SHARED_CAMPAIGNS.find((c) => c.key === k)!.weight, 0);
    const target = (k: string) => SHARED_CAMPAIGNS.find((c) => c.key === k)!.weight / lowWeightSum;
    const offTarget = (k: string) => Math.abs(w2Shares[k].share - target(k)) / target(k);
    const w2Instants = instantDeviation(
      Object.fromEntries(lowKeys.map((k) => [k, { weight: SHARED_CAMPAIGNS.find((c) => c.key === k)!.weight, intervals: of[k] }])),
      w2.from,
      w2.to,
    );
    // Window 3 (details only): the two campaigns left after the first 5 ran out, until the next runs out.
    const w3 = { from: w2.to, to: lastDial(exhausted[1]) };
    const w3Shares = shares(w3.from, w3.to, exhausted.slice(1));

    const pct = (x: number) => round(x * 100, 2);
    const label = (k: string) => `${k} (priority ${SHARED_CAMPAIGNS.find((c) => c.key === k)!.priority}, weight ${SHARED_CAMPAIGNS.find((c) => c.key === k)!.weight})`;
    const describe = (window: { from: number; to: number }, s: ReturnType<typeof shares>) => ({
      fromS: round(window.from / 1000, 3),
      toS: round(window.to / 1000, 3),
      lengthS: round((window.to - window.from) / 1000, 3),
      campaigns: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { sharePercent: pct(v.share), ofLimitPercent: pct(v.ofLimit), meanSlots: v.meanSlots, dials: v.dials }])),
    });

    return {
      scenario: 'dispatch',
      metrics: [
        metric('4 campaigns: makespan', round(makespan / 1000, 3), 's'),
        metric('4 campaigns: makespan / ideal (32 s)', round(makespan / ideal, 3), '×', { op: '<=', value: 1.05 }),
        metric('4 campaigns: max observed concurrency', maxConcurrency(intervals), 'calls', { op: '==', value: LIMIT }),
        metric('4 campaigns: slot refill latency p50', round(percentile(latencies, 50), 2), 'ms', { op: '<=', value: 2 }),
        metric('4 campaigns: slot refill latency p99', round(percentile(latencies, 99), 2), 'ms', { op: '<=', value: 10 }),
        metric('4 campaigns: refills before the freeing end (violations)', negative, '', { op: '==', value: 0 }),
        metric('4 campaigns: window 1 (the 9 waiting) length', round((w1.to - w1.from) / 1000, 3), 's'),
        metric('4 campaigns: window 1, share of the 9', pct(w1Shares.p9.share), '%', { op: '>=', value: 100 * (1 - SHARE_TOLERANCE) }),
        metric("4 campaigns: window 1, dials of the three 5s before the 9's last claim", lowDialsInW1, '', { op: '==', value: 0 }),
        metric('4 campaigns: window 2 (three 5s waiting) length', round((w2.to - w2.from) / 1000, 3), 's'),
        ...lowKeys.flatMap((k) => [
          metric(`4 campaigns: window 2, share of ${label(k)}; target ${pct(target(k))} %`, pct(w2Shares[k].share), '%'),
          metric(`4 campaigns: window 2, ${k} off its target (relative)`, pct(offTarget(k)), '%', { op: '<=', value: 100 * SHARE_TOLERANCE }),
        ]),
        metric('4 campaigns: service CPU time', round(split.service, 2), 's'),
      ],
      details: {
        campaigns: SHARED_CAMPAIGNS,
        callsEach: SHARED_CALLS_EACH,
        limit: LIMIT,
        callMs: CALL_MS,
        idealMs: ideal,
        phones: `mixedPhoneSource(${PHONE_SEED}): ${MIXED_COUNTRIES.join(', ')}, E.164`,
        submitPostMs: postMs,
        marginBeforeStartAtMs: marginBeforeStartMs,
        firstDialAfterStartAtMs: round(t0 - startAt.getTime(), 1),
        firstDialS: Object.fromEntries(allKeys.map((k) => [k, round(firstDial(k) / 1000, 3)])),
        lastDialS: Object.fromEntries(allKeys.map((k) => [k, round(lastDial(k) / 1000, 3)])),
        lastEndS: Object.fromEntries(allKeys.map((k) => [k, round(max(of[k].map((c) => c.ended)) / 1000, 3)])),
        answered: intervals.filter((c) => c.status === 'answered').length,
        window1: {
          ...describe(w1, w1Shares),
          lowShareTogetherPercent: pct(lowShareInW1),
          lowsWaitingThroughout: lowsWaitingThroughW1,
          // Each dial of a 5 inside the window: when, and how many of the 9's calls were dialed within 1 ms of it.
          lowDials: lowKeys.flatMap((k) =>
            of[k]
              .filter((c) => c.dialed >= w1.from && c.dialed <= w1.to)
              .map((c) => ({
                campaign: k,
                msAfterStart: round(c.dialed - w1.from, 3),
                msBeforeEnd: round(w1.to - c.dialed, 3),
                nineDialsWithin1ms: of.p9.filter((n) => Math.abs(n.dialed - c.dialed) <= 1).length,
              })),
          ),
        },
        window2: {
          ...describe(w2, w2Shares),
          firstExhausted: exhausted[0],
          targetPercent: Object.fromEntries(lowKeys.map((k) => [k, pct(target(k))])),
          offTargetPercent: Object.fromEntries(lowKeys.map((k) => [k, pct(offTarget(k))])),
          instantDeviation: Object.fromEntries(
            lowKeys.map((k) => [
              k,
              {
                maxSlots: round(w2Instants[k].maxSlots, 2),
                withinOneSlotPercent: pct(w2Instants[k].withinOneSlot),
                worstAtS: round(w2Instants[k].worst.at / 1000, 3),
                heldThen: w2Instants[k].worst.held,
              },
            ]),
          ),
        },
        window3: { ...describe(w3, w3Shares), contenders: exhausted.slice(1), note: 'the two left after the first 5 ran out; target 1:1 for two weight-1 campaigns' },
        slotRefillLatencyMs: refillLatencySummary(latencies, negative),
        cpuSeconds: roundSplit(split),
        otherProcessCores: otherProcessCores(split),
        statusPolls: polls,
        serviceWarningLines: service.output().length,
        serviceWarningSample: service.output().slice(0, 3),
      },
    };
  });
}

/** dialed_at and ended_at of every call of the campaigns, relative to their first dial (t0, ms since the epoch). */
async function readCampaignIntervals(connect: () => Promise<Client>, requestIds: string[]): Promise<{ intervals: CampaignInterval[]; t0: number }> {
  const client = await connect();
  try {
    const { rows } = await client.query(
      `WITH mine AS (
         SELECT c.*, r.request_id FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = ANY ($1::text[])
       ), t0 AS (SELECT min(dialed_at) AS t FROM mine)
       SELECT request_id AS campaign,
              (extract(epoch FROM dialed_at - t0.t) * 1000)::float8 AS dialed,
              (extract(epoch FROM answered_at - t0.t) * 1000)::float8 AS answered,
              (extract(epoch FROM ended_at - t0.t) * 1000)::float8 AS ended,
              call_status AS status,
              (extract(epoch FROM t0.t) * 1000)::float8 AS t0
       FROM mine, t0 WHERE dialed_at IS NOT NULL AND ended_at IS NOT NULL`,
      [requestIds],
    );
    return { intervals: rows, t0: rows[0]?.t0 ?? NaN };
  } finally {
    await client.end();
  }
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

/** The refill latencies' details for the JSON results (p50/p99 are rows of the table). */
function refillLatencySummary(latencies: number[], negative: number) {
  return { counted: latencies.length, negative, p90: round(percentile(latencies, 90), 2), max: round(max(latencies), 2), mean: round(mean(latencies), 2) };
}
