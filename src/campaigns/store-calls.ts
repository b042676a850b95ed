import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { Destination } from '../common/destination';
import { callIds } from './call-ids';

export interface CallsTarget {
  organizationId: string;
  callRequestId: string;
}

/** How queued calls are written: COPY on PostgreSQL, batched inserts on the embedded database (no COPY over its socket). */
export type StoreMethod = 'copy' | 'batched-insert';

const INSERT_BATCH = 5000;
const COPY_CHUNK_BYTES = 256 * 1024;

/**
 * Stores destinations as queued calls, numbered from 0 in the order given, inside the runner's open
 * transaction. Takes an async iterable so that a million CSV rows stream through without being held.
 * Returns how many calls were stored.
 */
export async function storeCalls(
  runner: QueryRunner,
  target: CallsTarget,
  destinations: Iterable<Destination> | AsyncIterable<Destination>,
  method: StoreMethod,
): Promise<number> {
  return method === 'copy' ? copyCalls(runner, target, destinations) : insertCallsInBatches(runner, target, destinations);
}

async function copyCalls(runner: QueryRunner, target: CallsTarget, destinations: Iterable<Destination> | AsyncIterable<Destination>): Promise<number> {
  const client = (await runner.connect()) as PoolClient;
  const copy = client.query(
    copyFrom('COPY calls (id, organization_id, call_request_id, destination_index, phone, caller, properties, call_state, status, next_attempt_at, time_zones) FROM STDIN'),
  );
  // Time-ordered keys made here (call-ids.ts), not gen_random_uuid(): appended to the key's b-tree, not scattered over it.
  const prefix = `\t${target.organizationId}\t${target.callRequestId}\t`;
  let index = 0;
  // Rows are encoded straight into a buffer: appending them to a string and converting that (a rope of thousands of
  // pieces) to bytes took about twice as long.
  let chunk = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let used = 0;
  try {
    for await (const destination of destinations) {
      const state = destination.nextAttemptAt ? `scheduled\tscheduled\t${destination.nextAttemptAt.toISOString()}` : 'queued\tqueued\t\\N';
      const zones = destination.timeZones ? `{${destination.timeZones.join(',')}}` : '\\N';
      const row = `${callIds.next()}${prefix}${index}\t${copyText(destination.phone)}\t${copyText(destination.caller)}\t${copyText(JSON.stringify(destination.properties))}\t${state}\t${zones}\n`;
      index++;
      // At most 3 bytes per UTF-16 code unit.
      if (used + row.length * 3 > chunk.length) {
        if (used > 0) await write(copy, chunk.subarray(0, used));
        chunk = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, row.length * 3));
        used = 0;
      }
      used += chunk.write(row, used, 'utf8');
    }
    if (used > 0) await write(copy, chunk.subarray(0, used));
    copy.end();
    await finished(copy);
  } catch (error) {
    // Sends CopyFail, so the connection leaves COPY mode and the transaction can be rolled back.
    copy.destroy(error as Error);
    await finished(copy).catch(() => undefined);
    throw error;
  }
  return index;
}

async function insertCallsInBatches(runner: QueryRunner, target: CallsTarget, destinations: Iterable<Destination> | AsyncIterable<Destination>): Promise<number> {
  let index = 0;
  let batch: (Destination & { i: number })[] = [];
  const flush = async () => {
    await runner.query(
      `INSERT INTO calls (organization_id, call_request_id, destination_index, phone, caller, properties, call_state, status, next_attempt_at, time_zones)
       SELECT $1, $2, d.i, d.phone, d.caller, d.properties,
         CASE WHEN d."nextAttemptAt" IS NULL THEN 'queued' ELSE 'scheduled' END, CASE WHEN d."nextAttemptAt" IS NULL THEN 'queued' ELSE 'scheduled' END,
         d."nextAttemptAt", d."timeZones"
       FROM jsonb_to_recordset($3::jsonb) AS d(i int, phone text, caller text, properties jsonb, "nextAttemptAt" timestamptz, "timeZones" text[])
       ORDER BY d.i`,
      [target.organizationId, target.callRequestId, JSON.stringify(batch)],
    );
    batch = [];
  };
  for await (const destination of destinations) {
    batch.push({ i: index++, ...destination });
    if (batch.length >= INSERT_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return index;
}

/** PostgreSQL's COPY text format: backslash, tab, newline and carriage return are escaped. */
/** A value as COPY's text format needs it: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : value;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

async function write(stream: Writable, data: Buffer): Promise<void> {
  if (!stream.write(data)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error) => {
        stream.off('drain', onDrain);
        reject(error);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
  }
}
