import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { CallFlow } from '../call-flow/call-flow.types';
import { FlowTemplates } from '../call-flow/message-templates';
import { compileCallFlow } from '../call-flow/compile-call-flow';
import { CallFlowsService } from '../call-flows/call-flows.service';
import { VoicePlatformProfile } from '../voice/voice-provider';
import { FieldValidationException } from '../common/api-error';
import { canonicalJson } from '../common/canonical-json';
import { ConditionalGet, strongEtag } from '../common/conditional-get';
import { FieldError } from '../common/field-error';
import { suppressListedDestinations } from '../compliance/do-not-call.service';
import { validateCallingHours } from '../compliance/calling-hours';
import { planFirstAttempts } from '../compliance/calling-hours-plan';
import { campaignSharingOf, sharingFieldsGiven } from './campaign-sharing';
import { previewDestinations } from '../compliance/compliance-preview';
import { validateRetryPolicy } from '../compliance/retry-policy';
import { validateMachineDetection } from '../voice/machine-detection';
import { Clock } from '../common/clock';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { EntityLookup, EntityRows } from '../database/entity-lookup';
import { RequestSql } from '../database/request-sql';
import { Organization } from '../organizations/organization.entity';
import { CallRequest } from './call-request.entity';
import { CallDetailsReader } from './call-details.reader';
import { CallDetail, StatusView, toCampaignView, toStatusView } from './campaign-status.view';
import { CreateCallRequestDto } from './create-call-request.dto';
import { DispatchWakeups } from './dispatch-wakeups';
import { StatusQueryDto } from './status-query.dto';
import { OnStored, StoreMethod, storeCalls, storedCallDetail } from './store-calls';
import { validateDestinations } from './validate-destinations';
import { statusCallbackUrlErrors, UrlPolicy } from '../webhooks/webhook-url-guard';

/**
 * A new campaign's row, or nothing when its requestId is taken (a resubmission, or a race two submissions ran);
 * with `anyListed`: whether the organization has numbers on its do-not-call list. `returning`: the entity's columns.
 */
const INSERT_REQUEST = (returning: string) => `
  INSERT INTO call_requests (organization_id, request_id, body_hash, source, enable_call_recording, call_flow, call_flow_id, call_flow_version,
    retry_policy, calling_hours, machine_detection, status_callback_url, priority, weight, max_concurrent_calls, start_at, expires_at, total_calls)
  VALUES ($1, $2, $3, 'api', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
  ON CONFLICT (organization_id, request_id) DO NOTHING
  RETURNING ${returning}, EXISTS (SELECT 1 FROM do_not_call d WHERE d.organization_id = $1) AS "anyListed"`;

export interface SubmissionResult {
  created: boolean;
  view: StatusView;
}

/** What a campaign's ETags are made from. */
export type CampaignVersion = Pick<CallRequest, 'organizationId' | 'id' | 'version'>;

/** A campaign route's ETag, and how to render the route from the whole campaign (CampaignsService.answerForCampaign). */
export interface PreparedAnswer<T> {
  etag: string;
  render: (request: CallRequest) => T | Promise<T>;
}

const VERSION_BY_REQUEST_ID =
  'SELECT organization_id AS "organizationId", id, version FROM call_requests WHERE organization_id = $1 AND request_id = $2';

/** The page of calls a submission is answered with (the contract's status document, page 1). */
const FIRST_PAGE_SIZE = 100;

function found<C>(campaign: C | null, requestId: string): C {
  if (!campaign) throw new NotFoundException(`No call request "${requestId}"`);
  return campaign;
}

@Injectable()
export class CampaignsService {
  readonly storeMethod: StoreMethod;
  private readonly byRequestId: EntityLookup<CallRequest>;
  private readonly byId: EntityLookup<CallRequest>;
  private readonly requestRows: EntityRows<CallRequest>;
  private readonly insertRequest: string;
  private readonly callbackUrlPolicy: UrlPolicy;

  constructor(
    private readonly db: DataSource,
    @InjectRepository(CallRequest) private readonly requests: Repository<CallRequest>,
    private readonly details: CallDetailsReader,
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly clock: Clock,
    private readonly platform: VoicePlatformProfile,
    private readonly callFlows: CallFlowsService,
    private readonly requestSql: RequestSql,
    private readonly wakeups: DispatchWakeups,
  ) {
    this.callbackUrlPolicy = config.webhooks;
    this.storeMethod = config.localMode ? 'batched-insert' : 'copy';
    this.byRequestId = new EntityLookup(db, requestSql, CallRequest, 'organization_id = $1 AND request_id = $2');
    this.byId = new EntityLookup(db, requestSql, CallRequest, 'id = $1');
    this.requestRows = new EntityRows(db, CallRequest);
    this.insertRequest = INSERT_REQUEST(this.requestRows.columns());
  }

  /**
   * Validates and renders the whole campaign before storing anything, then stores the request and
   * every call in one transaction and wakes the dispatchers. Resubmitting the same body is harmless.
   */
  async submit(organization: Organization, dto: CreateCallRequestDto): Promise<SubmissionResult> {
    const { destinations, errors: destinationErrors } = validateDestinations(dto.destinations);
    const retry = dto.retry === undefined ? { errors: [] } : validateRetryPolicy(dto.retry);
    const hours = dto.callingHours === undefined ? { errors: [] } : validateCallingHours(dto.callingHours, 'callingHours');
    const machine = dto.machineDetection === undefined ? { errors: [] } : validateMachineDetection(dto.machineDetection);
    const callbackErrors = statusCallbackUrlErrors(dto.statusCallbackUrl, this.callbackUrlPolicy);
    const sharing = campaignSharingOf(dto, this.clock.now());
    const { flow, templates, saved: savedFlow } = await this.callFlows.resolve(organization.id, dto, [...destinationErrors, ...retry.errors, ...hours.errors, ...machine.errors, ...callbackErrors, ...sharing.errors]);

    // Checked here to refuse what cannot be spoken; rendered from the same properties when dialed.
    const renderErrors: FieldError[] = [];
    destinations.forEach((destination, i) => {
      const error = templates.check(destination.properties);
      if (error) renderErrors.push({ field: `destinations[${i}].${error.field}`, message: error.message });
    });
    if (renderErrors.length > 0) throw new FieldValidationException(renderErrors, 'Invalid destinations');

    const enableCallRecording = dto.enableCallRecording ?? false;
    const bodyHash = createHash('sha256')
      .update(
        canonicalJson({
          requestId: dto.requestId,
          destinations,
          enableCallRecording,
          // A saved flow is named by its id and the version resolved (a later version is another body).
          ...(savedFlow ?? { callFlow: dto.callFlow }),
          ...(retry.value && { retry: retry.value }),
          ...(hours.value && { callingHours: hours.value }),
          ...(machine.value && { machineDetection: machine.value }),
          ...(dto.statusCallbackUrl !== undefined && { statusCallbackUrl: dto.statusCallbackUrl }),
          ...sharingFieldsGiven(dto, sharing.value),
        }),
      )
      .digest('hex');
    const timing = await planFirstAttempts(hours.value ?? organization.callingHours, this.clock.now(), sharing.value.startAt);
    const timed = timing ? destinations.map((destination) => ({ ...destination, ...timing(destination.phone) })) : destinations;

    // One statement both stores the campaign and tells a resubmission (its requestId taken): no lookup before it.
    const json = (value: unknown) => (value == null ? null : JSON.stringify(value));
    const stored = await this.db.transaction(async (tx) => {
      const [row] = await this.requestSql.inTransaction<Record<string, unknown> & { id: string; anyListed: boolean }>(tx.queryRunner!, this.insertRequest, [
        organization.id,
        dto.requestId,
        bodyHash,
        enableCallRecording,
        json(flow),
        savedFlow?.callFlowId ?? null,
        savedFlow?.callFlowVersion ?? null,
        json(retry.value),
        json(hours.value),
        json(machine.value),
        dto.statusCallbackUrl ?? null,
        sharing.value.priority,
        sharing.value.weight,
        sharing.value.maxConcurrentCalls,
        sharing.value.startAt,
        sharing.value.expiresAt,
        destinations.length,
      ]);
      if (!row) return undefined;
      // The answer's first page is the calls just stored, as stored: not read back.
      const firstPage: CallDetail[] = [];
      const keepFirstPage: OnStored = (id, destination) => {
        if (firstPage.length < FIRST_PAGE_SIZE) firstPage.push(storedCallDetail(id, destination));
      };
      await storeCalls(tx.queryRunner!, { organizationId: organization.id, callRequestId: row.id }, timed, this.storeMethod, keepFirstPage);
      // With nothing listed, nothing to suppress: the statement and a second read of the campaign are saved. A
      // number listed from here on is caught where every call is, at its dial start (DialService), and suppressed there.
      if (row.anyListed) await suppressListedDestinations(this.requestSql, tx.queryRunner!, organization.id, row.id);
      return { request: this.requestRows.toEntity(row), suppressed: row.anyListed, firstPage };
    });
    if (!stored) {
      const existing = await this.findRequest(organization.id, dto.requestId);
      return { created: false, view: await this.resubmission(existing!, bodyHash) };
    }
    // Suppressed destinations moved the campaign's counters and calls in the transaction: read them back.
    const view = stored.suppressed
      ? await this.statusOf((await this.byId.find(stored.request.id))!, 1, FIRST_PAGE_SIZE)
      : toStatusView(stored.request, stored.firstPage, 1, FIRST_PAGE_SIZE);
    this.wakeDispatchers(organization.id);
    return { created: true, view };
  }

  /**
   * POST /call?dryRun=true: what would happen to each destination if the campaign were submitted now
   * (dialed at once, scheduled for its calling hours, suppressed, or rejected as invalid). Stores nothing.
   * Campaign-level problems (the flow, retry, calling hours) are still a 400.
   */
  async preview(organization: Organization, dto: CreateCallRequestDto) {
    const { destinations, indexes, errors } = validateDestinations(dto.destinations);
    const retry = dto.retry === undefined ? { errors: [] } : validateRetryPolicy(dto.retry);
    const hours = dto.callingHours === undefined ? { errors: [] } : validateCallingHours(dto.callingHours, 'callingHours');
    const machine = dto.machineDetection === undefined ? { errors: [] } : validateMachineDetection(dto.machineDetection);
    const sharing = campaignSharingOf(dto, this.clock.now());
    const { templates } = await this.callFlows.resolve(organization.id, dto, [
      ...retry.errors,
      ...hours.errors,
      ...machine.errors,
      ...statusCallbackUrlErrors(dto.statusCallbackUrl, this.callbackUrlPolicy),
      ...sharing.errors,
    ]);
    const renderable = destinations.filter((destination, i) => {
      const error = templates.check(destination.properties);
      if (error) errors.push({ field: `destinations[${indexes[i]}].${error.field}`, message: error.message });
      return !error;
    });
    const timing = await planFirstAttempts(hours.value ?? organization.callingHours, this.clock.now(), sharing.value.startAt);
    const counts = await previewDestinations(this.db, organization.id, timing ? renderable.map((d) => ({ ...d, ...timing(d.phone) })) : renderable);
    return {
      dryRun: true,
      requestId: dto.requestId,
      requestIdInUse: (await this.findRequest(organization.id, dto.requestId)) !== null,
      destinations: dto.destinations.length,
      ...counts,
      rejected: dto.destinations.length - renderable.length,
      errors: errors.slice(0, 100),
      errorCount: errors.length,
    };
  }

  /** Checks the call flow and compiles its messages, or refuses it with every problem (and `otherErrors` found before). */
  compileCallFlow(raw: unknown, otherErrors: FieldError[] = []): { flow: CallFlow; templates: FlowTemplates } {
    return compileCallFlow(raw, this.platform, otherErrors);
  }

  findRequest(organizationId: string, requestId: string): Promise<CallRequest | null> {
    return this.byRequestId.find(organizationId, requestId);
  }

  /** New calls are waiting: every dispatcher of the organization looks at its backlog (within DispatchWakeups' window). */
  wakeDispatchers(organizationId: string): void {
    this.wakeups.wake(organizationId);
  }

  /**
   * The ETag of a campaign's route (`kind`: status, timeline, …) for `query`: from its version, which moves with
   * everything those routes show (README "Cheap polling (ETag)"), so telling it reads one campaign row.
   */
  etag(kind: string, request: CampaignVersion, query: unknown): string {
    return strongEtag(kind, request.organizationId, request.id, request.version, query);
  }

  async status(request: CallRequest, query: StatusQueryDto): Promise<StatusView> {
    if (!query.status && !query.outcome && !query.phone && query.leftMessage === undefined) return this.statusOf(request, query.page, query.perPage);
    const filters = { status: query.status, outcome: query.outcome, phone: query.phone, leftMessage: query.leftMessage };
    const { details, matching } = await this.details.filtered(request.id, filters, (query.page - 1) * query.perPage, query.perPage);
    return toStatusView(request, details, query.page, query.perPage, matching);
  }

  /**
   * The ETag of a page of the organization's campaigns: from their count and the id and version of each on the
   * page (each campaign's view is made of its own row), read from call_requests alone.
   */
  async listEtag(organization: Organization, page: number, perPage: number): Promise<string> {
    const [{ total, versions }] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM call_requests WHERE organization_id = $1) AS total,
              (SELECT coalesce(json_agg(json_build_array(p.id, p.version) ORDER BY p.created_at DESC, p.id DESC), '[]') FROM (
                 SELECT id, version, created_at FROM call_requests WHERE organization_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3
               ) p) AS versions`,
      [organization.id, (page - 1) * perPage, perPage],
    );
    return strongEtag('campaigns', organization.id, page, perPage, total, versions);
  }

  /** The organization's campaigns, newest first, without their destinations. */
  async list(organization: Organization, page: number, perPage: number) {
    const [requests, total] = await this.requests.findAndCount({
      where: { organizationId: organization.id },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
    return { campaigns: requests.map(toCampaignView), pagination: { page, perPage, total, totalPages: Math.ceil(total / perPage) } };
  }

  /** Calls started (dialed) and ended per time bucket, with the outcomes of those that ended; empty buckets included. */
  async timeline(request: CallRequest, bucketSeconds: number) {
    const rows: { at: Date; started: number; ended: number; answered: number; busy: number; no_answer: number; failed: number }[] = await this.db.query(
      `WITH events AS (
         SELECT to_timestamp(floor(extract(epoch FROM dialed_at) / $2) * $2) AS at, 1 AS started, 0 AS ended, NULL::text AS outcome
         FROM calls WHERE call_request_id = $1 AND dialed_at IS NOT NULL
         UNION ALL
         SELECT to_timestamp(floor(extract(epoch FROM ended_at) / $2) * $2), 0, 1, call_status
         FROM calls WHERE call_request_id = $1 AND ended_at IS NOT NULL
       ), buckets AS (
         SELECT at, sum(started)::int AS started, sum(ended)::int AS ended,
                count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
                count(*) FILTER (WHERE outcome = 'busy')::int AS busy,
                count(*) FILTER (WHERE outcome = 'no_answer')::int AS no_answer,
                count(*) FILTER (WHERE outcome = 'failed')::int AS failed
         FROM events GROUP BY at
       ), span AS (
         SELECT generate_series(min(at), max(at), make_interval(secs => $2)) AS at FROM buckets
       )
       SELECT span.at, coalesce(b.started, 0) AS started, coalesce(b.ended, 0) AS ended, coalesce(b.answered, 0) AS answered,
              coalesce(b.busy, 0) AS busy, coalesce(b.no_answer, 0) AS no_answer, coalesce(b.failed, 0) AS failed
       FROM span LEFT JOIN buckets b ON b.at = span.at ORDER BY span.at`,
      [request.id, bucketSeconds],
    );
    return { requestId: request.requestId, bucketSeconds, points: rows.map((row) => ({ ...row, at: row.at.toISOString() })) };
  }

  /** Another organization's campaign is indistinguishable from one that does not exist. */
  async requestOf(organization: Organization, requestId: string): Promise<CallRequest> {
    return found(await this.findRequest(organization.id, requestId), requestId);
  }

  /**
   * A conditional GET of one of the campaign's routes (ConditionalGet.answerVersioned): its 304 is told from the
   * campaign's version alone (three columns), and only otherwise is the whole campaign read. `prepare` makes the
   * route's ETag from what was read, with the `render` of the whole campaign that goes with that ETag.
   */
  answerForCampaign<T>(
    conditional: ConditionalGet,
    organization: Organization,
    requestId: string,
    prepare: (campaign: CampaignVersion) => PreparedAnswer<T> | Promise<PreparedAnswer<T>>,
  ): Promise<T | undefined> {
    return conditional.answerVersioned(
      async () => {
        const rows = await this.requestSql.query<CampaignVersion>(VERSION_BY_REQUEST_ID, [organization.id, requestId]);
        return (await prepare(found(rows[0] ?? null, requestId))).etag;
      },
      async () => {
        const request = await this.requestOf(organization, requestId);
        const { etag, render } = await prepare(request);
        return { etag, render: () => render(request) };
      },
    );
  }

  /** The same requestId again: harmless with the same body (answers the current state), a 409 with another. */
  async resubmission(existing: CallRequest, bodyHash: string): Promise<StatusView> {
    if (existing.bodyHash !== bodyHash) {
      throw new ConflictException(`requestId "${existing.requestId}" was already submitted with a different body`);
    }
    return this.statusOf(existing, 1, FIRST_PAGE_SIZE);
  }

  async statusOf(request: CallRequest, page: number, perPage: number): Promise<StatusView> {
    return toStatusView(request, await this.details.page(request.id, (page - 1) * perPage, perPage), page, perPage);
  }
}
