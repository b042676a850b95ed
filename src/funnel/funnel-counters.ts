/**
 * The funnel's counters (README "Funnel"): per campaign, per step of its flow (`path` as in callFlowSteps),
 * one row per counter in `campaign_funnel`. They move in the statement that writes a call's step results
 * (CallEventsService), by the difference between a step's counters before and after the write: a write that
 * changes nothing (a duplicated or replayed event) moves nothing, and a retry that clears a call's steps takes
 * them back out. Never computed by scanning a campaign's calls.
 *
 * Counters of one step record:
 * - `reached`: the step started (every recorded step);
 * - `status:<status>`: it finished with that `info.status` (success_ok, no_input, failed, interrupted);
 * - `key:<digit>`: a gather that finished (success_ok or no_input) with that accepted key; `key:` is no input;
 * - `transfer:<status>`: a transfer with that `transfer_status`;
 * - `recorded`: a record step captured a message; `transcribed`: its transcription is done;
 * - `optOut`: the callee chose an opt-out branch at this gather.
 */

/** SQL: the text[] of counters of the step record `step` (a jsonb expression; never NULL). */
export function stepCountersSql(step: string): string {
  const info = `(${step} -> 'info')`;
  return `array_remove(ARRAY[
    'reached',
    CASE WHEN ${info} ->> 'status' <> 'in_progress' THEN 'status:' || (${info} ->> 'status') END,
    CASE WHEN ${step} ->> 'stepName' = 'gather' AND ${info} ->> 'status' IN ('success_ok', 'no_input')
      THEN 'key:' || coalesce(${info} ->> 'userPressedDigits', '') END,
    CASE WHEN ${step} ->> 'stepName' = 'transfer' AND ${info} ->> 'transfer_status' IS NOT NULL THEN 'transfer:' || (${info} ->> 'transfer_status') END,
    CASE WHEN ${info} -> 'recording' IS NOT NULL THEN 'recorded' END,
    CASE WHEN ${info} -> 'transcription' ->> 'status' = 'done' THEN 'transcribed' END,
    CASE WHEN ${info} ->> 'optOut' = 'true' THEN 'optOut' END
  ]::text[], NULL)`;
}

/**
 * A CTE `name` that adds to `campaign_funnel` the counters of the step records that `source` yields as
 * `(call_request_id uuid, step jsonb, delta int)`: +1 for a record as written, -1 for the record it replaced.
 * Rows are upserted in key order, so two statements of one campaign never wait for each other in a cycle.
 */
export function funnelUpsertCte(name: string, source: string): string {
  return `${name} AS (
    INSERT INTO campaign_funnel AS f (call_request_id, step_path, counter, count)
    SELECT d.call_request_id, d.step ->> 'path', k.counter, sum(d.delta)::int
      FROM (${source}) d CROSS JOIN LATERAL unnest(${stepCountersSql('d.step')}) AS k(counter)
     WHERE d.step IS NOT NULL
     GROUP BY 1, 2, 3 HAVING sum(d.delta) <> 0
     ORDER BY 2, 3
    ON CONFLICT (call_request_id, step_path, counter) DO UPDATE SET count = f.count + EXCLUDED.count
  )`;
}

/**
 * Every campaign's counters computed from its calls' current steps, in one pass (the migration's backfill, and
 * the check that the counters moved by the call path say the same).
 */
export const BACKFILL_FUNNEL_SQL = `
  INSERT INTO campaign_funnel (call_request_id, step_path, counter, count)
  SELECT c.call_request_id, s.step ->> 'path', k.counter, count(*)::int
    FROM calls c CROSS JOIN LATERAL jsonb_array_elements(c.steps) AS s(step)
    CROSS JOIN LATERAL unnest(${stepCountersSql('s.step')}) AS k(counter)
   WHERE c.steps <> '[]'::jsonb AND EXISTS (SELECT 1 FROM call_requests r WHERE r.id = c.call_request_id)
   GROUP BY 1, 2, 3`;

/** Counter names, as stored. */
export const COUNTER = {
  reached: 'reached',
  status: (status: string) => `status:${status}`,
  key: (key: string) => `key:${key}`,
  transfer: (status: string) => `transfer:${status}`,
  recorded: 'recorded',
  transcribed: 'transcribed',
  optOut: 'optOut',
} as const;
