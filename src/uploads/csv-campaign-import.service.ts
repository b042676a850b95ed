import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DataSource } from 'typeorm';
import { FlowTemplates } from '../call-flow/message-templates';
import { CallRequest, ImportReport, ImportRowError } from '../campaigns/call-request.entity';
import { CampaignsService } from '../campaigns/campaigns.service';
import { CallFlowsService } from '../call-flows/call-flows.service';
import { StatusView } from '../campaigns/campaign-status.view';
import { storeCalls } from '../campaigns/store-calls';
import { Destination } from '../common/destination';
import { canonicalJson } from '../common/canonical-json';
import { CallTiming, planFirstAttempts } from '../compliance/calling-hours-plan';
import { campaignSharingOf, sharingFieldsGiven } from '../campaigns/campaign-sharing';
import { PreviewCounts, previewDestinations } from '../compliance/compliance-preview';
import { suppressListedDestinations } from '../compliance/do-not-call.service';
import { RequestSql } from '../database/request-sql';
import { Clock } from '../common/clock';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { CsvFileError, DebtorCsvOptions, readDebtorRows } from './debtor-csv-reader';
import { Organization } from '../organizations/organization.entity';
import { CsvUploadFields } from './csv-upload-fields';
import { CsvUploadException } from './csv-upload.exception';
import { SpooledFile } from '../common/multipart-upload';
import { statusCallbackUrlErrors } from '../webhooks/webhook-url-guard';

const UNIQUE_VIOLATION = '23505';
const MAX_LISTED_ROW_ERRORS = 100;

export type CsvPreview = Awaited<ReturnType<CsvCampaignImportService['preview']>>;

export interface CsvImportResult {
  created: boolean;
  view: StatusView & { importReport: ImportReport | null };
}

/**
 * Turns an uploaded debtor CSV into a campaign exactly like POST /call: the same flow checks,
 * placeholders, idempotency and dispatch. Rows stream from the spooled file straight into the
 * database inside one transaction, so a refused upload leaves nothing behind.
 */
@Injectable()
export class CsvCampaignImportService {
  constructor(
    private readonly db: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly callFlows: CallFlowsService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
    private readonly clock: Clock,
    private readonly requestSql: RequestSql,
  ) {}

  async import(organization: Organization, fields: CsvUploadFields, file: SpooledFile): Promise<CsvImportResult> {
    const sharing = campaignSharingOf(fields.sharing, this.clock.now());
    const { flow, templates, saved } = await this.callFlows.resolve(organization.id, fields, [...statusCallbackUrlErrors(fields.statusCallbackUrl, this.config.webhooks), ...sharing.errors]);
    const bodyHash = createHash('sha256')
      .update(
        canonicalJson({
          requestId: fields.requestId,
          // A saved flow is named by its id and the version resolved (a later version is another upload).
          ...(saved ?? { callFlow: fields.callFlow }),
          caller: fields.caller ?? null,
          enableCallRecording: fields.enableCallRecording,
          defaultRegion: fields.defaultRegion ?? null,
          skipInvalidRows: fields.skipInvalidRows,
          // Only when it says something UTF-8 (the default) does not, so that earlier uploads keep their hash.
          ...(fields.encoding && fields.encoding !== 'utf-8' && { encoding: fields.encoding }),
          ...(fields.retry && { retry: fields.retry }),
          ...(fields.callingHours && { callingHours: fields.callingHours }),
          ...(fields.machineDetection && { machineDetection: fields.machineDetection }),
          ...(fields.statusCallbackUrl !== undefined && { statusCallbackUrl: fields.statusCallbackUrl }),
          ...sharingFieldsGiven(fields.sharing, sharing.value),
          file: file.sha256,
        }),
      )
      .digest('hex');
    const existing = await this.campaigns.findRequest(organization.id, fields.requestId);
    if (existing) return this.resubmission(existing, bodyHash);

    const runner = this.db.createQueryRunner();
    await runner.connect();
    let callRequestId: string;
    let report: ImportReport;
    try {
      await runner.startTransaction();
      const [inserted] = await runner.query(
        `INSERT INTO call_requests (organization_id, request_id, body_hash, source, enable_call_recording, call_flow, retry_policy, calling_hours, machine_detection, status_callback_url, total_calls, call_flow_id, call_flow_version,
           priority, weight, max_concurrent_calls, start_at, expires_at)
         VALUES ($1, $2, $3, 'csv', $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
        [
          organization.id,
          fields.requestId,
          bodyHash,
          fields.enableCallRecording,
          JSON.stringify(flow),
          fields.retry ? JSON.stringify(fields.retry) : null,
          fields.callingHours ? JSON.stringify(fields.callingHours) : null,
          fields.machineDetection ? JSON.stringify(fields.machineDetection) : null,
          fields.statusCallbackUrl ?? null,
          saved?.callFlowId ?? null,
          saved?.callFlowVersion ?? null,
          sharing.value.priority,
          sharing.value.weight,
          sharing.value.maxConcurrentCalls,
          sharing.value.startAt,
          sharing.value.expiresAt,
        ],
      );
      callRequestId = inserted.id;
      const tally = new ImportTally(!fields.skipInvalidRows);
      const rows = readDebtorRows(createReadStream(file.path), this.readOptions(fields));
      const stored = await storeCalls(
        runner,
        { organizationId: organization.id, callRequestId },
        acceptedDestinations(rows, templates, tally, await planFirstAttempts(fields.callingHours ?? organization.callingHours, this.clock.now(), sharing.value.startAt)),
        this.campaigns.storeMethod,
      );
      report = tally.report();
      if (tally.refusesUpload()) throw CsvUploadException.invalidRows(report);
      if (stored === 0) throw CsvUploadException.noRows(report);
      await runner.query(`UPDATE call_requests SET total_calls = $2, import_report = $3, version = version + 1 WHERE id = $1`, [callRequestId, stored, JSON.stringify(report)]);
      await suppressListedDestinations(this.requestSql, runner, organization.id, callRequestId);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      if (error instanceof CsvFileError) throw CsvUploadException.badFile(error);
      // Two identical uploads raced: the loser answers like a resubmission.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        const winner = await this.campaigns.findRequest(organization.id, fields.requestId);
        if (winner) return this.resubmission(winner, bodyHash);
      }
      throw error;
    } finally {
      await runner.release();
    }
    // The answer is the campaign as submitted (as POST /call answers): read before the dispatchers may dial it.
    const request = await this.campaigns.findRequest(organization.id, fields.requestId);
    const view = await this.campaigns.statusOf(request!, 1, 100);
    this.campaigns.wakeDispatchers(organization.id);
    return { created: true, view: { ...view, importReport: report } };
  }

  /** The dry run of an upload: every row read and checked, what the calling rules would do, nothing stored. */
  async preview(organization: Organization, fields: CsvUploadFields, file: SpooledFile) {
    const sharing = campaignSharingOf(fields.sharing, this.clock.now());
    const { templates } = await this.callFlows.resolve(organization.id, fields, [...statusCallbackUrlErrors(fields.statusCallbackUrl, this.config.webhooks), ...sharing.errors]);
    const tally = new ImportTally(false);
    const rows = readDebtorRows(createReadStream(file.path), this.readOptions(fields));
    const timing = await planFirstAttempts(fields.callingHours ?? organization.callingHours, this.clock.now(), sharing.value.startAt);
    let counts: PreviewCounts;
    try {
      counts = await previewDestinations(this.db, organization.id, acceptedDestinations(rows, templates, tally, timing));
    } catch (error) {
      if (error instanceof CsvFileError) throw CsvUploadException.badFile(error);
      throw error;
    }
    const report = tally.report();
    return {
      dryRun: true,
      requestId: fields.requestId,
      requestIdInUse: (await this.campaigns.findRequest(organization.id, fields.requestId)) !== null,
      destinations: report.rowsRead,
      ...counts,
      rejected: report.rowsRejected,
      errors: report.errors,
      errorCount: report.rowsRejected,
    };
  }

  private readOptions(fields: CsvUploadFields): DebtorCsvOptions {
    return { defaultRegion: fields.defaultRegion, defaultCaller: fields.caller, maxRows: this.config.csvUpload.maxRows, encoding: fields.encoding };
  }

  private async resubmission(existing: CallRequest, bodyHash: string): Promise<CsvImportResult> {
    const view = await this.campaigns.resubmission(existing, bodyHash);
    return { created: false, view: { ...view, importReport: existing.importReport } };
  }
}

/** Counts what was read, accepted and rejected, and keeps the first rejected rows for the report. */
class ImportTally {
  rowsRead = 0;
  rowsAccepted = 0;
  rowsRejected = 0;
  private readonly errors: ImportRowError[] = [];

  constructor(private readonly allOrNothing: boolean) {}

  accept(): void {
    this.rowsRead++;
    this.rowsAccepted++;
  }

  reject(error: ImportRowError): void {
    this.rowsRead++;
    this.rowsRejected++;
    if (this.errors.length < MAX_LISTED_ROW_ERRORS) this.errors.push(error);
  }

  /** In all-or-nothing mode one bad row refuses the upload: rows after it are still read, to report every error. */
  refusesUpload(): boolean {
    return this.allOrNothing && this.rowsRejected > 0;
  }

  report(): ImportReport {
    return { rowsRead: this.rowsRead, rowsAccepted: this.rowsAccepted, rowsRejected: this.rowsRejected, errors: this.errors };
  }
}

/**
 * The rows that can be called, as destinations; every other row becomes a row error. Once the
 * upload is refused, no more rows are passed on (they would be rolled back), but the file is still
 * read to the end so that the report counts every error.
 */
async function* acceptedDestinations(
  rows: ReturnType<typeof readDebtorRows>,
  templates: FlowTemplates,
  tally: ImportTally,
  timing: ((phone: string) => Partial<CallTiming>) | null,
): AsyncGenerator<Destination> {
  for await (const item of rows) {
    if ('error' in item) {
      tally.reject(item.error);
      continue;
    }
    const { row } = item;
    const missing = templates.placeholders.find((name) => !Object.hasOwn(row.properties, name));
    if (missing !== undefined) {
      tally.reject({ line: row.line, column: missing, value: null, message: `is empty or missing, and the call flow uses {{${missing}}}` });
      continue;
    }
    const error = templates.check(row.properties);
    if (error) {
      tally.reject({ line: row.line, column: null, value: null, message: error.message });
      continue;
    }
    tally.accept();
    if (!tally.refusesUpload()) yield { phone: row.phone, caller: row.caller, properties: row.properties, ...timing?.(row.phone) };
  }
}
