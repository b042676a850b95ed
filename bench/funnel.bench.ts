import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { stepCountersSql } from '../src/funnel/funnel-counters';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { max, mean, percentile, round } from './support/stats';
import { billingDestinations, billingFlow } from './support/workload';

const CALLS = 1_000_000;
const WARMUP_GETS = 20;
const MEASURED_GETS = 200;
const LIMIT = 1;

/** A step record as the call path writes it, small: the funnel reads none of it. */
const step = (name: string, path: string, status: string, digits = '') =>
  `jsonb_build_object('stepName', '${name}', 'path', '${path}', 'startedAt', '2026-12-01T10:00:00Z', 'endedAt', '2026-12-01T10:00:05Z',
     'info', jsonb_build_object('call_state', 'ongoing', 'call_status', 'answered', 'status', '${status}', 'userPressedDigits', '${digits}', 'transfer_status', null))`;

/**
 * GET /status/{requestId}/funnel of a 1,000,000-call campaign of the billing flow (a play, a gather with
 * branches 1 and 2), whose calls are written straight into PostgreSQL (generate_series): answered calls that
 * pressed 1, 2, nothing, or hung up in the greeting, and busy ones; the campaign's funnel counters are then
 * computed by the same SQL the call path moves them with (stepCountersSql, as the migration's backfill does).
 * 200 sequential GETs of the funnel, interleaved with the floors measured in the same run: GET /health (no
 * key, no database) and GET /organization/usage (the API key and one query).
 */
export async function runFunnel(): Promise<ScenarioResult> {
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript: {} }, async (service) => {
    // Nothing is dialed: the organization's one slot is taken by "other apps".
    await service.api.put('/organization/usage', { externalOngoingCalls: LIMIT });
    const requestId = `funnel-${randomUUID()}`;
    await service.api.post('/call', JSON.stringify({ requestId, destinations: billingDestinations(1), callFlow: billingFlow() }));

    const db = new Client({ connectionString: service.database.url });
    await db.connect();
    const built = performance.now();
    try {
      const [{ id, organization_id: organizationId }] = (await db.query(`SELECT id, organization_id FROM call_requests WHERE request_id = $1`, [requestId])).rows;
      await db.query(`DELETE FROM calls WHERE call_request_id = $1`, [id]);
      await db.query(`DELETE FROM campaign_funnel WHERE call_request_id = $1`, [id]);
      // i % 10: 0-3 pressed 1, 4-5 pressed 2, 6 no input (no default: the call ends), 7 hung up in the greeting, 8-9 busy.
      await db.query(
        `INSERT INTO calls (organization_id, call_request_id, destination_index, phone, caller, status, call_state, call_status, attempts, steps, dialed_at, answered_at, ended_at)
         SELECT $1, $2, i, '+1555' || lpad(i::text, 7, '0'), '+6582674904', 'completed', 'ended',
                CASE WHEN i % 10 >= 8 THEN 'busy' ELSE 'answered' END, 1,
                CASE
                  WHEN i % 10 < 4 THEN jsonb_build_array(${step('play', 'steps[0]', 'success_ok')}, ${step('gather', 'steps[1]', 'success_ok', '1')}, ${step('play', 'steps[1].branches[0].steps[0]', 'success_ok')})
                  WHEN i % 10 < 6 THEN jsonb_build_array(${step('play', 'steps[0]', 'success_ok')}, ${step('gather', 'steps[1]', 'success_ok', '2')}, ${step('play', 'steps[1].branches[1].steps[0]', 'success_ok')})
                  WHEN i % 10 = 6 THEN jsonb_build_array(${step('play', 'steps[0]', 'success_ok')}, ${step('gather', 'steps[1]', 'no_input')})
                  WHEN i % 10 = 7 THEN jsonb_build_array(${step('play', 'steps[0]', 'interrupted')})
                  ELSE '[]'::jsonb END,
                now() - interval '1 hour', CASE WHEN i % 10 < 8 THEN now() - interval '1 hour' END, now() - interval '59 minutes'
         FROM generate_series(0, $3 - 1) AS i`,
        [organizationId, id, CALLS],
      );
      await db.query(
        `UPDATE call_requests SET total_calls = $2::int, dialed_calls = $2::int, ended_calls = $2::int, answered_calls = $3::int, busy_calls = $2::int - $3::int,
           status = 'completed', completed_at = now() WHERE id = $1`,
        [id, CALLS, (CALLS / 10) * 8],
      );
      await db.query(
        `INSERT INTO campaign_funnel (call_request_id, step_path, counter, count)
         SELECT c.call_request_id, s.step ->> 'path', k.counter, count(*)::int
           FROM calls c CROSS JOIN LATERAL jsonb_array_elements(c.steps) AS s(step)
           CROSS JOIN LATERAL unnest(${stepCountersSql('s.step')}) AS k(counter)
          WHERE c.call_request_id = $1 GROUP BY 1, 2, 3`,
        [id],
      );
      await db.query(`ANALYZE calls`);
    } finally {
      await db.end();
    }
    const buildSeconds = (performance.now() - built) / 1000;
    console.log(`  ${CALLS.toLocaleString('en-US')} calls and their funnel counters written in ${buildSeconds.toFixed(1)} s`);

    const funnelPath = `/status/${encodeURIComponent(requestId)}/funnel`;
    const check = (body: any) => {
      const gather = body.steps?.[1];
      const pressed1 = gather?.gather?.keys?.[0]?.count;
      if (body.totals?.total?.count !== CALLS || pressed1 !== (CALLS / 10) * 4 || body.steps[0].reached.count !== (CALLS / 10) * 8) {
        throw new Error(`unexpected funnel: ${JSON.stringify(body).slice(0, 500)}`);
      }
    };
    for (let i = 0; i < WARMUP_GETS; i++) {
      check((await service.api.get(funnelPath)).body);
      await service.api.get('/health');
      await service.api.get('/organization/usage');
    }
    const funnel: number[] = [];
    const health: number[] = [];
    const usage: number[] = [];
    let funnelBytes = 0;
    const cpu = await startCpuMeter(service.pid, service.database.url);
    for (let i = 0; i < MEASURED_GETS; i++) {
      const response = await service.api.get(funnelPath);
      if (response.status !== 200) throw new Error(`funnel answered ${response.status}`);
      check(response.body);
      funnel.push(response.ms);
      funnelBytes = response.bytes;
      health.push((await service.api.get('/health')).ms);
      usage.push((await service.api.get('/organization/usage')).ms);
    }
    const split = await cpu.stop();
    return {
      scenario: 'funnel',
      metrics: [
        metric('GET …/funnel (1M calls) p50', round(percentile(funnel, 50), 2), 'ms'),
        metric('GET …/funnel (1M calls) p99', round(percentile(funnel, 99), 2), 'ms', { op: '<=', value: 50 }),
        metric('floor GET /health p50', round(percentile(health, 50), 2), 'ms'),
        metric('floor GET /health p99', round(percentile(health, 99), 2), 'ms'),
        metric('floor GET /organization/usage p50', round(percentile(usage, 50), 2), 'ms'),
        metric('floor GET /organization/usage p99', round(percentile(usage, 99), 2), 'ms'),
      ],
      details: {
        calls: CALLS,
        measuredGets: MEASURED_GETS,
        warmupGets: WARMUP_GETS,
        buildSeconds: round(buildSeconds, 1),
        funnelBytes,
        funnelMs: { mean: round(mean(funnel), 2), max: round(max(funnel), 2) },
        healthMs: { mean: round(mean(health), 2), max: round(max(health), 2) },
        usageMs: { mean: round(mean(usage), 2), max: round(max(usage), 2) },
        cpuSeconds: roundSplit(split),
        otherProcessCores: otherProcessCores(split),
      },
    };
  });
}
