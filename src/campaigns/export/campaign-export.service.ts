import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Writable } from 'node:stream';
import { DataSource, Repository } from 'typeorm';
import { Organization } from '../../organizations/organization.entity';
import { CallRequest } from '../call-request.entity';
import { stepRecordingFile } from '../campaign-status.view';
import { csvCell, csvLine, phoneCell, UTF8_BOM } from './csv-cells';
import { ExportCondition, exportCondition, ExportQueryDto } from './export-filters';

/** Calls read per query: one keyset page of the unique index (call_request_id, destination_index). */
export const EXPORT_PAGE_SIZE = 1000;

/** The columns every export starts with, in this order; one column per property name follows. */
export const FIXED_COLUMNS = [
  'destinationIndex',
  'phone',
  'caller',
  'status',
  'call_state',
  'call_status',
  'attempts',
  'dialedAt',
  'answeredAt',
  'endedAt',
  'failureReason',
  'digitsPressed',
  'transferStatus',
  'messageSeconds',
  'messageFile',
  'messageTranscription',
] as const;

const PROPERTY_PREFIX = 'property:';

/** One calls row as the export reads it: only the columns it writes, never the entity. */
export interface ExportRow {
  id: string;
  destination_index: number;
  phone: string;
  caller: string;
  status: string;
  call_state: string;
  call_status: string | null;
  attempts: number;
  dialed_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  failure_reason: string | null;
  digits_pressed: string | null;
  transfer_status: string | null;
  /** The last record step that captured a message: its position, length, and transcription text. */
  message_seq: number | null;
  message_seconds: number | null;
  message_transcription: string | null;
  /** `properties ->> key` for each property column, in column order (JSON text for objects and arrays). */
  property_values: (string | null)[];
}

/** A campaign found for its organization, with the property names that become columns. */
export interface PreparedExport {
  request: CallRequest;
  /** The filters (a funnel box), as a condition on `calls c` whose parameters follow readPage's own. */
  filter?: ExportCondition;
  propertyKeys: string[];
  header: string[];
}

export type ExportOutcome = 'complete' | 'aborted';

/**
 * Header names of the property columns: the property name itself, or `property:<name>` when that would
 * repeat a fixed column (or an earlier header, e.g. a property literally named `property:phone`).
 */
export function propertyHeaders(keys: readonly string[]): string[] {
  const used = new Set<string>(FIXED_COLUMNS);
  return keys.map((key) => {
    let name = key;
    while (used.has(name)) name = PROPERTY_PREFIX + name;
    used.add(name);
    return name;
  });
}

/** Sanitized for a quoted Content-Disposition filename: ASCII letters, digits, `.`, `_`, `-`; the rest become `_`. */
export function exportFileName(requestId: string): string {
  return `${requestId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120)}-results.csv`;
}

const iso = (value: Date | null): string => (value ? value.toISOString() : '');

export function toCsvLine(row: ExportRow, requestId: string): string {
  return csvLine([
    String(row.destination_index),
    phoneCell(row.phone),
    phoneCell(row.caller),
    csvCell(row.status),
    csvCell(row.call_state),
    csvCell(row.call_status),
    String(row.attempts),
    iso(row.dialed_at),
    iso(row.answered_at),
    iso(row.ended_at),
    csvCell(row.failure_reason),
    csvCell(row.digits_pressed),
    csvCell(row.transfer_status),
    row.message_seconds === null ? '' : String(row.message_seconds),
    row.message_seq === null ? '' : csvCell(stepRecordingFile(requestId, row.id, row.message_seq)),
    csvCell(row.message_transcription),
    ...row.property_values.map(csvCell),
  ]);
}

/**
 * GET /status/{requestId}/export.csv: every destination's result of one campaign as CSV, in constant
 * memory. Calls are read in keyset pages of EXPORT_PAGE_SIZE by destination_index, each page its own
 * short query (no connection is held between pages), and a page is read only once the previous one has
 * been taken by the client (backpressure). The file is therefore not one snapshot: each row is as it was
 * when its page was read, which for a running campaign is what GET /status paging gives too.
 */
@Injectable()
export class CampaignExportService {
  constructor(
    private readonly db: DataSource,
    @InjectRepository(CallRequest) private readonly requests: Repository<CallRequest>,
  ) {}

  /** Everything that can fail with a proper error response, done before the first byte is sent. */
  async prepare(organization: Organization, requestId: string, filters: ExportQueryDto = {}): Promise<PreparedExport> {
    const request = await this.requests.findOneBy({ organizationId: organization.id, requestId });
    // The same answer as GET /status: another organization's campaign is indistinguishable from none.
    if (!request) throw new NotFoundException(`No call request "${requestId}"`);
    const filter = exportCondition(filters, request.callFlow, 5);
    const propertyKeys = await this.propertyKeys(request.id);
    return { request, filter, propertyKeys, header: [...FIXED_COLUMNS, ...propertyHeaders(propertyKeys)] };
  }

  /**
   * Every property name used by the campaign's calls, in Unicode code point order. Sorted rather than
   * "in order of first appearance" because PostgreSQL's jsonb does not keep the submitted key order
   * (it stores keys by length, then bytes): first appearance would look arbitrary. One pass over the
   * campaign's calls; about 0.15 s for 100,000 calls with 5 properties each.
   */
  async propertyKeys(callRequestId: string): Promise<string[]> {
    const rows: { key: string }[] = await this.db.query(
      `SELECT key FROM (SELECT DISTINCT jsonb_object_keys(properties) AS key FROM calls WHERE call_request_id = $1) AS k
       ORDER BY key COLLATE "C"`,
      [callRequestId],
    );
    return rows.map((row) => row.key);
  }

  /**
   * The calls after destination `afterIndex`, at most `limit`, with only what the export writes:
   * digitsPressed and transferStatus are derived from the steps in SQL, so the steps (with every
   * rendered message) never leave the database.
   */
  async readPage(
    callRequestId: string,
    afterIndex: number,
    propertyKeys: string[],
    limit = EXPORT_PAGE_SIZE,
    filter: ExportCondition = { sql: 'true', params: [] },
  ): Promise<ExportRow[]> {
    return this.db.query(
      `SELECT c.id, c.destination_index, c.phone, c.caller, c.status, c.call_state, c.call_status, c.attempts,
              c.dialed_at, c.answered_at, c.ended_at, c.failure_reason,
              (SELECT string_agg(coalesce(s.step -> 'info' ->> 'userPressedDigits', ''), '|' ORDER BY s.n)
                 FROM jsonb_array_elements(c.steps) WITH ORDINALITY AS s(step, n)
                WHERE s.step ->> 'stepName' = 'gather') AS digits_pressed,
              (SELECT s.step -> 'info' ->> 'transfer_status'
                 FROM jsonb_array_elements(c.steps) WITH ORDINALITY AS s(step, n)
                WHERE s.step ->> 'stepName' = 'transfer'
                ORDER BY s.n DESC LIMIT 1) AS transfer_status,
              m.seq AS message_seq, m.seconds AS message_seconds, m.transcription AS message_transcription,
              ARRAY(SELECT c.properties ->> k.key FROM unnest($4::text[]) WITH ORDINALITY AS k(key, ord) ORDER BY k.ord)
                AS property_values
         FROM calls c
         LEFT JOIN LATERAL (
           SELECT (s.n - 1)::int AS seq, (s.step -> 'info' -> 'recording' ->> 'durationSeconds')::float8 AS seconds,
                  s.step -> 'info' -> 'transcription' ->> 'text' AS transcription
             FROM jsonb_array_elements(c.steps) WITH ORDINALITY AS s(step, n)
            WHERE c.left_message AND s.step -> 'info' ? 'recording'
            ORDER BY s.n DESC LIMIT 1) m ON true
        WHERE c.call_request_id = $1 AND c.destination_index > $2 AND (${filter.sql})
        ORDER BY c.destination_index
        LIMIT $3`,
      [callRequestId, afterIndex, limit, propertyKeys, ...filter.params],
    );
  }

  /**
   * Writes the BOM, the header and every call to `out`, then ends it. Stops reading (and returns
   * 'aborted') as soon as `out` closes, e.g. when the client disconnects. A database error is thrown
   * after part of the file may have been sent: the caller must then cut the response, not end it.
   */
  async write(prepared: PreparedExport, out: Writable): Promise<ExportOutcome> {
    const sink = new BackpressureSink(out);
    if (!(await sink.write(UTF8_BOM + csvLine(prepared.header.map(csvCell))))) return 'aborted';
    let afterIndex = -1;
    for (;;) {
      const rows = await this.readPage(prepared.request.id, afterIndex, prepared.propertyKeys, EXPORT_PAGE_SIZE, prepared.filter);
      if (sink.closed) return 'aborted';
      if (rows.length === 0) break;
      if (!(await sink.write(rows.map((row) => toCsvLine(row, prepared.request.requestId)).join('')))) return 'aborted';
      if (rows.length < EXPORT_PAGE_SIZE) break;
      afterIndex = rows[rows.length - 1].destination_index;
    }
    out.end();
    return 'complete';
  }
}

/** Writes to a stream, waiting for 'drain' whenever it asks to; knows when the stream has gone away. */
class BackpressureSink {
  closed: boolean;

  constructor(private readonly out: Writable) {
    this.closed = out.destroyed;
    const gone = () => {
      this.closed = true;
    };
    out.once('close', gone);
    // A write to a connection that just died may report an error: it is a disconnect, not a crash.
    out.on('error', gone);
  }

  /** Resolves true when `out` can take more, false when it has closed. */
  async write(chunk: string): Promise<boolean> {
    if (this.closed || this.out.destroyed) return false;
    if (this.out.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
    return !this.closed && !this.out.destroyed;
  }
}
