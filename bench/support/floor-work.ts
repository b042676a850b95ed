import { finished } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyText } from '../../src/campaigns/store-calls';

/**
 * The database work and JSON of the load scenario's two requests, as the floor servers do them (floor-server.ts
 * on node:http, nest-floor-server.ts on NestJS): nothing else (no validation, rendering, authentication, rate
 * limit or dispatcher). Configured by the environment: DATABASE_URL, ORGANIZATION_ID, FLOOR_POOL_SIZE.
 *
 * POST /call: in one transaction, a call_requests row and COPY of its calls; answers the destinations back
 * (about the size of the service's status document). GET /status/{requestId}?page=&perPage=: the request's row,
 * then one page of its calls (the columns of a status page).
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.FLOOR_POOL_SIZE ?? 20) });
const organizationId = process.env.ORGANIZATION_ID!;

const DETAIL_COLUMNS = `id, caller, phone, status, call_state, call_status, attempts, attempt_history, failure_reason, steps, monitor_data, recordings,
  next_attempt_at, dialed_at, answered_at, ended_at`;

export async function submit(body: { requestId: string; destinations: { phone: string; caller: string; properties: object }[]; callFlow: object }) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const [{ id }] = (
      await client.query(
        `INSERT INTO call_requests (organization_id, request_id, body_hash, source, call_flow, total_calls) VALUES ($1, $2, md5($2), 'api', $3, $4) RETURNING id`,
        [organizationId, body.requestId, JSON.stringify(body.callFlow), body.destinations.length],
      )
    ).rows;
    const copy = client.query(copyFrom('COPY calls (organization_id, call_request_id, destination_index, phone, caller, properties, call_state, status) FROM STDIN'));
    copy.end(body.destinations.map((d, i) => `${organizationId}\t${id}\t${i}\t${copyText(d.phone)}\t${copyText(d.caller)}\t${copyText(JSON.stringify(d.properties))}\tqueued\tqueued\n`).join(''));
    await finished(copy);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return { requestId: body.requestId, status: 'submitted', details: body.destinations.map((d) => ({ requestId: body.requestId, destination: d.phone, caller: d.caller, status: 'queued', callFlowSteps: [], monitorData: [] })) };
}

export async function status(requestId: string, page: number, perPage: number) {
  const { rows } = await pool.query(`SELECT * FROM call_requests WHERE organization_id = $1 AND request_id = $2`, [organizationId, requestId]);
  if (rows.length === 0) return undefined;
  const from = (page - 1) * perPage;
  const details = await pool.query(
    `SELECT ${DETAIL_COLUMNS} FROM calls WHERE call_request_id = $1 AND destination_index BETWEEN $2 AND $3 ORDER BY destination_index`,
    [rows[0].id, from, from + perPage - 1],
  );
  return { requestId, status: rows[0].status, summary: { total: rows[0].total_calls, ended: rows[0].ended_calls }, details: details.rows, pagination: { page, perPage } };
}

export const stopFloorWork = (): Promise<void> => pool.end();
