import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { QueryRunner } from 'typeorm';
import { Destination } from '../common/destination';
import { callIds } from './call-ids';
import { CallDetail } from './campaign-status.view';

export interface CallsTarget {
  organizationId: string;
  callRequestId: string;
}

/** How queued calls are written: COPY on PostgreSQL, batched inserts on the embedded database (no COPY over its socket). */
export type StoreMethod = 'copy' | 'batched-insert';

const INSERT_BATCH = 5000;
const COPY_CHUNK_BYTES = 256 * 1024;

/** Told of each call as it is stored, in order: its key and its destination. */
export type OnStored = (id: string, destination: Destination) => void;

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
  onStored: OnStored = () => undefined,
): Promise<number> {
  return method === 'copy' ? copyCalls(runner, target, destinations, onStored) : insertCallsInBatches(runner, target, destinations, onStored);
}

/** A new call waits for its first attempt: at once (queued), or from `nextAttemptAt` (calling hours, startAt). */
function firstState(destination: Destination): 'queued' | 'scheduled' {
  return destination.nextAttemptAt ? 'scheduled' : 'queued';
}

/** A call's detail as storeCalls wrote it, before anything happened to it (what a status page reads back then). */
export function storedCallDetail(id: string, destination: Destination): CallDetail {
  const state = firstState(destination);
  return {
    id,
    caller: destination.caller,
    phone: destination.phone,
    status: state,
    callState: state,
    callStatus: null,
    attempts: 0,
    attemptHistory: [],
    failureReason: null,
    steps: [],
    monitorData: [],
    recordings: null,
    nextAttemptAt: destination.nextAttemptAt?.toISOString() ?? null,
    dialedAt: null,
    answeredAt: null,
    endedAt: null,
  };
}

async function copyCalls(runner: QueryRunner, target: CallsTarget, destinations: Iterable<Destination> | AsyncIterable<Destination>, onStored: OnStored): Promise<number> {
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
      const id = callIds.next();
      const state = firstState(destination);
      const next = destination.nextAttemptAt ? destination.nextAttemptAt.toISOString() : '\\N';
      const zones = destination.timeZones ? `{${destination.timeZones.join(',')}}` : '\\N';
      const row = `${id}${prefix}${index}\t${copyText(destination.phone)}\t${copyText(destination.caller)}\t${copyText(JSON.stringify(destination.properties))}\t${state}\t${state}\t${next}\t${zones}\n`;
      onStored(id, destination);
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

async function insertCallsInBatches(
  runner: QueryRunner,
  target: CallsTarget,
  destinations: Iterable<Destination> | AsyncIterable<Destination>,
  onStored: OnStored,
): Promise<number> {
  let index = 0;
  let batch: (Destination & { id: string; i: number; state: string })[] = [];
  const flush = async () => {
    await runner.query(
      `INSERT INTO calls (id, organization_id, call_request_id, destination_index, phone, caller, properties, call_state, status, next_attempt_at, time_zones)
       SELECT d.id, $1, $2, d.i, d.phone, d.caller, d.properties, d.state, d.state, d."nextAttemptAt", d."timeZones"
       FROM jsonb_to_recordset($3::jsonb) AS d(id uuid, i int, phone text, caller text, properties jsonb, state text, "nextAttemptAt" timestamptz, "timeZones" text[])
       ORDER BY d.i`,
      [target.organizationId, target.callRequestId, JSON.stringify(batch)],
    );
    batch = [];
  };
  for await (const destination of destinations) {
    const id = callIds.next();
    batch.push({ id, i: index++, state: firstState(destination), ...destination });
    onStored(id, destination);
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
