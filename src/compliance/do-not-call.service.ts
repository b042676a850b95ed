import { Injectable } from '@nestjs/common';
import { outboxCtes } from '../webhooks/webhook-events';
import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { RequestSql } from '../database/request-sql';
import { CountryCode } from 'libphonenumber-js';
import { FieldValidationException } from '../common/api-error';
import { FieldError } from '../common/field-error';
import { isPhoneColumnName, PHONE_COLUMN_NAMES } from '../phones/phone-columns';
import { createPhoneNormalizer } from '../phones/phone-normalizer';

export type DoNotCallSource = 'api' | 'csv' | 'opt-out';

const INSERT_BATCH = 5000;
const MAX_LISTED_ERRORS = 100;

/** Why a destination was not dialed: it is on the organization's do-not-call list. */
export const SUPPRESSED_REASON = 'on the do-not-call list';

/**
 * The organization's do-not-call (suppression) list, of E.164 numbers. Checked when a campaign is
 * stored (its listed destinations are `suppressed`) and again by the dial itself (see DialService),
 * so a number added mid-campaign is not called either.
 */
@Injectable()
export class DoNotCallService {
  constructor(private readonly db: DataSource) {}

  /** Adds numbers (normalized to E.164); all or none: an invalid one is a 400 naming `phones[i]`. Returns how many were new. */
  async add(organizationId: string, phones: string[], defaultRegion: CountryCode | undefined, source: DoNotCallSource): Promise<number> {
    const normalize = createPhoneNormalizer(defaultRegion);
    const errors: FieldError[] = [];
    const numbers: string[] = [];
    phones.forEach((raw, i) => {
      const result = typeof raw === 'string' ? normalize(raw) : { ok: false as const, message: 'must be a string' };
      if (result.ok) numbers.push(result.e164);
      else errors.push({ field: `phones[${i}]`, message: result.message });
    });
    if (errors.length > 0) throw new FieldValidationException(errors);
    return this.insert(this.db.manager, organizationId, numbers, source);
  }

  /** Adds the numbers of a CSV file's phone column (same column names as a debtor CSV); all or none. */
  async addCsv(organizationId: string, path: string, defaultRegion: CountryCode | undefined): Promise<number> {
    const normalize = createPhoneNormalizer(defaultRegion);
    const parser = createReadStream(path).pipe(parse({ bom: true, delimiter: [',', ';', '\t'], trim: true, skip_empty_lines: true, relax_column_count: true, info: true }));
    const errors: FieldError[] = [];
    let phoneColumn = -1;
    let errorCount = 0;
    return this.db.transaction(async (tx) => {
      let batch: string[] = [];
      let added = 0;
      try {
        for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          if (phoneColumn === -1) {
            phoneColumn = record.findIndex(isPhoneColumnName);
            if (phoneColumn === -1) throw new FieldValidationException([{ field: 'file', message: `line 1: no phone column (${PHONE_COLUMN_NAMES.join(', ')})` }]);
            continue;
          }
          const result = normalize(record[phoneColumn] ?? '');
          if (!result.ok) {
            if (++errorCount <= MAX_LISTED_ERRORS) errors.push({ field: 'file', message: `line ${info.lines}: ${JSON.stringify(record[phoneColumn] ?? '')} ${result.message}` });
            continue;
          }
          batch.push(result.e164);
          if (batch.length >= INSERT_BATCH) {
            added += await this.insert(tx, organizationId, batch, 'csv');
            batch = [];
          }
        }
      } catch (error) {
        if (error instanceof FieldValidationException) throw error;
        throw new FieldValidationException([{ field: 'file', message: `cannot be read as CSV: ${(error as Error).message}` }]);
      }
      if (phoneColumn === -1) throw new FieldValidationException([{ field: 'file', message: 'is empty' }]);
      if (errorCount > 0) throw new FieldValidationException(errors, `${errorCount} numbers are invalid; nothing was added`);
      if (batch.length > 0) added += await this.insert(tx, organizationId, batch, 'csv');
      return added;
    });
  }

  async remove(organizationId: string, phone: string): Promise<boolean> {
    const [, removed] = await this.db.query(`DELETE FROM do_not_call WHERE organization_id = $1 AND phone = $2`, [organizationId, phone]);
    return removed > 0;
  }

  async list(organizationId: string, page: number, perPage: number, phone?: string) {
    const filter = phone ? `AND phone LIKE '%' || $4 || '%'` : '';
    const params = [organizationId, perPage, (page - 1) * perPage, ...(phone ? [phone] : [])];
    const rows: { phone: string; source: string; created_at: Date; total: number }[] = await this.db.query(
      `SELECT phone, source, created_at, count(*) OVER ()::int AS total FROM do_not_call
       WHERE organization_id = $1 ${filter} ORDER BY created_at DESC, phone LIMIT $2 OFFSET $3`,
      params,
    );
    const total = rows[0]?.total ?? (page > 1 ? await this.count(organizationId, phone) : 0);
    return {
      numbers: rows.map((row) => ({ phone: row.phone, source: row.source, createdAt: row.created_at })),
      pagination: { page, perPage, total, totalPages: Math.ceil(total / perPage) },
    };
  }

  private async count(organizationId: string, phone?: string): Promise<number> {
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM do_not_call WHERE organization_id = $1 ${phone ? `AND phone LIKE '%' || $2 || '%'` : ''}`,
      phone ? [organizationId, phone] : [organizationId],
    );
    return n;
  }

  private async insert(manager: EntityManager, organizationId: string, numbers: string[], source: DoNotCallSource): Promise<number> {
    const rows = await manager.query(
      `INSERT INTO do_not_call (organization_id, phone, source) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING RETURNING 1`,
      [organizationId, numbers, source],
    );
    return rows.length;
  }
}

/**
 * Marks a just-stored campaign's destinations that are on the do-not-call list as suppressed, and
 * counts them, in the caller's transaction (after total_calls is set). A prepared statement: PostgreSQL
 * took 0.64 ms to plan it, eight times what running it takes when nothing is listed.
 */
export async function suppressListedDestinations(sql: RequestSql, runner: QueryRunner, organizationId: string, callRequestId: string): Promise<void> {
  await sql.inTransaction(
    runner,
    `WITH suppressed AS (
       UPDATE calls c SET call_state = 'ended', status = 'suppressed', failure_reason = $3, ended_at = now(), updated_at = now()
       FROM do_not_call d
       WHERE c.call_request_id = $2 AND d.organization_id = $1 AND d.phone = c.phone AND c.call_state IN ('queued', 'scheduled')
       RETURNING c.id
     ), tally AS (SELECT count(*)::int AS n FROM suppressed
     ), counted AS (
       UPDATE call_requests r SET suppressed_calls = suppressed_calls + t.n, ended_calls = ended_calls + t.n, dialed_calls = dialed_calls + t.n, version = r.version + 1,
         status = CASE WHEN ended_calls + t.n >= total_calls THEN 'completed' ELSE status END,
         completed_at = CASE WHEN ended_calls + t.n >= total_calls THEN now() ELSE completed_at END
       FROM tally t WHERE r.id = $2 AND t.n > 0
       RETURNING r.status
     ), webhook_source AS (
       -- Status callbacks: each suppressed destination's call.completed, and campaign.completed when none is left to dial.
       SELECT $1::uuid AS organization_id, $2::uuid AS call_request_id, id AS call_id, 'call.completed'::text AS type FROM suppressed
       UNION ALL
       SELECT $1::uuid, $2::uuid, NULL, 'campaign.completed' FROM counted WHERE status = 'completed'
     )${outboxCtes('webhook_source')}
     SELECT 1`,
    [organizationId, callRequestId, SUPPRESSED_REASON],
  );
}
