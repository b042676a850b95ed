import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RequestSql } from '../database/request-sql';
import { CallDetail } from './campaign-status.view';
import { CallProgress } from './call.entity';

/** A timestamp as Date#toISOString() writes it (UTC, milliseconds, `Z`), formatted by PostgreSQL. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const DETAIL_COLUMNS = `id, caller, phone, status, call_state AS "callState", call_status AS "callStatus", attempts,
  attempt_history AS "attemptHistory", failure_reason AS "failureReason", steps, monitor_data AS "monitorData", recordings,
  ${iso('next_attempt_at')} AS "nextAttemptAt", ${iso('dialed_at')} AS "dialedAt", ${iso('answered_at')} AS "answeredAt", ${iso('ended_at')} AS "endedAt"`;

export interface DetailFilters {
  status?: CallProgress;
  outcome?: string;
  /** Part of the destination's number. */
  phone?: string;
  leftMessage?: boolean;
}

/**
 * Reads the per-destination details of a status page as plain rows, with the timestamps already in the
 * response's text form. A page of 100 mapped into entities by TypeORM (column metadata per value, a Date
 * parsed per timestamp) was the largest part of the service's CPU under load (BENCHMARKS.md, "Load").
 */
@Injectable()
export class CallDetailsReader {
  constructor(
    private readonly db: DataSource,
    private readonly requestSql: RequestSql,
  ) {}

  /** Destinations `from` … `from + count - 1` in submission order: one range of the unique index. */
  async page(callRequestId: string, from: number, count: number): Promise<CallDetail[]> {
    const rows = await this.requestSql.rows(
      `SELECT ${DETAIL_COLUMNS} FROM calls WHERE call_request_id = $1 AND destination_index BETWEEN $2::bigint AND $3::bigint ORDER BY destination_index`,
      [callRequestId, from, from + count - 1],
    );
    return rows.map(detailOf);
  }

  /** The destinations that match every filter given, in submission order, with how many match in all. */
  async filtered(callRequestId: string, filters: DetailFilters, skip: number, take: number): Promise<{ details: CallDetail[]; matching: number }> {
    const conditions = ['call_request_id = $1'];
    const params: unknown[] = [callRequestId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filters.status) add('status = ?', filters.status);
    if (filters.outcome) add('call_status = ?', filters.outcome);
    if (filters.phone) add(`strpos(phone, ?) > 0`, filters.phone);
    if (filters.leftMessage !== undefined) add('left_message = ?', filters.leftMessage);
    const where = conditions.join(' AND ');
    const n = params.length;
    const [details, [{ matching }]] = await Promise.all([
      this.db.query(`SELECT ${DETAIL_COLUMNS} FROM calls WHERE ${where} ORDER BY destination_index OFFSET $${n + 1}::bigint LIMIT $${n + 2}::int`, [...params, skip, take]),
      this.db.query(`SELECT count(*)::int AS matching FROM calls WHERE ${where}`, params),
    ]);
    return { details, matching };
  }
}

/**
 * A page's row, read as an array (DETAIL_COLUMNS' order): pg's rows as objects are built by one function for every
 * query of the process, whose property stores V8 cannot specialize; one object literal here can be.
 */
function detailOf(row: unknown[]): CallDetail {
  const [id, caller, phone, status, callState, callStatus, attempts, attemptHistory, failureReason, steps, monitorData, recordings, nextAttemptAt, dialedAt, answeredAt, endedAt] =
    row as [any, any, any, any, any, any, any, any, any, any, any, any, any, any, any, any];
  return { id, caller, phone, status, callState, callStatus, attempts, attemptHistory, failureReason, steps, monitorData, recordings, nextAttemptAt, dialedAt, answeredAt, endedAt };
}
