import { Client } from 'pg';
import { maxConcurrency } from '../../test/support/call-timeline';
import { ApiClient } from './api-client';

/** Set-up and checks shared by the `load` and `soak` scenarios. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the organization has `calls` calls in progress: the background campaign is running. */
export async function waitForCallsInFlight(api: ApiClient, calls: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api.get('/organization/usage');
    if (body.ongoingCalls >= calls) return body.ongoingCalls;
    if (Date.now() > deadline) throw new Error(`only ${body.ongoingCalls} of ${calls} calls in progress after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * Waits (bounded) until at most `limit` of the organization's calls are dialed and not ended in PostgreSQL.
 * Right after a heavy load the service may still be writing the ends of calls that are over (their slots
 * already handed back and refilled): read too early, such a call would count as in progress until now.
 */
export async function waitForEndsWritten(client: Client, limit: number, timeoutMs = 20_000): Promise<{ open: number; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const { rows } = await client.query<{ open: number }>(`SELECT count(*)::int AS open FROM calls WHERE dialed_at IS NOT NULL AND ended_at IS NULL`);
    if (rows[0].open <= limit || Date.now() - started > timeoutMs) return { open: rows[0].open, waitedMs: Date.now() - started };
    await sleep(200);
  }
}

export interface ConcurrencyCheck {
  /** Calls of the organization dialed so far (every campaign), and the largest number in progress at one instant. */
  dialed: number;
  maxConcurrent: number;
  /** The same for the background campaign alone. */
  backgroundDialed: number;
  backgroundEnded: number;
  backgroundMaxConcurrent: number;
  /** Calls dialed between `from` and `to` (the measured window). */
  dialedInWindow: number;
  /** Calls dialed and not ended when this was read (counted as in progress until now). */
  openAtCheck: number;
  /** The largest number in progress at one instant among the calls that have ended (no open interval). */
  maxConcurrentOfEnded: number;
}

/**
 * From dialed_at / ended_at in PostgreSQL (as test/support/call-timeline.ts counts them): a call still in
 * progress counts until now. An end frees its slot before a dial at the same instant.
 */
export async function checkConcurrency(client: Client, backgroundRequestId: string, from: Date, to: Date): Promise<ConcurrencyCheck> {
  const { rows } = await client.query<{ dialed: number; ended: number | null; background: boolean }>(
    `SELECT (extract(epoch FROM c.dialed_at) * 1000)::float8 AS dialed, (extract(epoch FROM c.ended_at) * 1000)::float8 AS ended,
            r.request_id = $1 AS background
     FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE c.dialed_at IS NOT NULL`,
    [backgroundRequestId],
  );
  const intervals = rows.map((row) => ({ dialed: row.dialed, ended: row.ended ?? Infinity, background: row.background }));
  const background = intervals.filter((c) => c.background);
  return {
    dialed: intervals.length,
    maxConcurrent: maxConcurrency(intervals),
    backgroundDialed: background.length,
    backgroundEnded: background.filter((c) => c.ended !== Infinity).length,
    backgroundMaxConcurrent: maxConcurrency(background),
    dialedInWindow: intervals.filter((c) => c.dialed >= from.getTime() && c.dialed <= to.getTime()).length,
    openAtCheck: intervals.filter((c) => c.ended === Infinity).length,
    maxConcurrentOfEnded: maxConcurrency(intervals.filter((c) => c.ended !== Infinity)),
  };
}

export interface StoredCheck {
  /** Campaigns POSTed during the load that are stored, and their calls. */
  stored: number;
  calls: number;
  /** Accepted (200) by the API but not stored: must be 0. */
  acceptedMissing: number;
  /** Stored with a number of calls other than `destinations`: must be 0. */
  incomplete: number;
}

/** Every campaign the API accepted is stored, with all its calls. */
export async function checkStored(client: Client, requestIdPrefix: string, accepted: string[], destinations: number): Promise<StoredCheck> {
  const { rows } = await client.query<{ request_id: string; calls: number }>(
    `SELECT r.request_id, count(c.id)::int AS calls
     FROM call_requests r LEFT JOIN calls c ON c.call_request_id = r.id WHERE r.request_id LIKE $1 GROUP BY r.request_id`,
    [`${requestIdPrefix}-%`],
  );
  const stored = new Map(rows.map((row) => [row.request_id, row.calls]));
  return {
    stored: rows.length,
    calls: rows.reduce((sum, row) => sum + row.calls, 0),
    acceptedMissing: accepted.filter((id) => !stored.has(id)).length,
    incomplete: rows.filter((row) => row.calls !== destinations).length,
  };
}
