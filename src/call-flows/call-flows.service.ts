import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallFlow, TransferStatus } from '../call-flow/call-flow.types';
import { compileCallFlow } from '../call-flow/compile-call-flow';
import { FlowTemplates } from '../call-flow/message-templates';
import { FlowPlatformLimits } from '../call-flow/platform-flow-check';
import { FieldValidationException } from '../common/api-error';
import { FieldError } from '../common/field-error';
import { VoicePlatformProfile } from '../voice/voice-provider';
import { VoicePlatformProfiles } from '../voice/voice-platform.module';
import { CallFlowPreviewRequestDto, CreateSavedCallFlowDto, UpdateSavedCallFlowDto } from './call-flows.dto';
import { FlowPreview, previewCallFlow, previewKeyErrors } from './call-flow-preview';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface VersionRow {
  id: string;
  version: number;
  title: string;
  call_flow: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface SavedCallFlowView {
  id: string;
  title: string;
  version: number;
  callFlow: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

function view(row: VersionRow): SavedCallFlowView {
  return { id: row.id, title: row.title, version: row.version, callFlow: row.call_flow, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Where a campaign's or a preview's flow comes from: sent as is, or a saved one by id (and version). */
export interface CallFlowSource {
  callFlow?: unknown;
  callFlowId?: string;
  callFlowVersion?: number;
}

/** A flow ready to run: checked, its templates compiled, and which saved flow it is (null: sent as is). */
export interface ResolvedCallFlow {
  flow: CallFlow;
  templates: FlowTemplates;
  saved: { callFlowId: string; callFlowVersion: number } | null;
}

/** Exactly one of callFlow and callFlowId; callFlowVersion only with callFlowId. Each problem names its field. */
export function callFlowSourceErrors(source: CallFlowSource): FieldError[] {
  // A null id or version is the same as none.
  if (source.callFlow !== undefined && source.callFlowId != null) {
    return [{ field: 'callFlowId', message: 'send either callFlow or callFlowId (a saved call flow), not both' }];
  }
  if (source.callFlow === undefined && source.callFlowId == null) {
    return [{ field: 'callFlow', message: 'is required: the call flow, or callFlowId (a saved call flow)' }];
  }
  if (source.callFlowVersion != null && source.callFlowId == null) {
    return [{ field: 'callFlowVersion', message: 'needs callFlowId (the saved call flow it is a version of)' }];
  }
  return [];
}

const VERSION_COLUMNS = `f.id, v.version, v.title, v.call_flow, f.created_at, v.created_at AS updated_at`;

/**
 * Saved call flows of an organization (README "Saved call flows"): every write is checked exactly as a
 * campaign's flow (compileCallFlow, the same field paths), a PUT adds a version, a DELETE hides the flow
 * and keeps its versions. Another organization's flow is a 404, as one that does not exist.
 */
@Injectable()
export class CallFlowsService {
  constructor(
    private readonly db: DataSource,
    private readonly platform: VoicePlatformProfile,
    private readonly platforms: VoicePlatformProfiles,
  ) {}

  async create(organizationId: string, dto: CreateSavedCallFlowDto): Promise<SavedCallFlowView> {
    compileCallFlow(dto.callFlow, this.platform);
    const [row] = await this.db.query<VersionRow[]>(
      `WITH f AS (
         INSERT INTO call_flows (organization_id) VALUES ($1) RETURNING id, created_at
       ), v AS (
         INSERT INTO call_flow_versions (call_flow_id, version, title, call_flow, created_at)
         SELECT id, 1, $2, $3, created_at FROM f RETURNING version, title, call_flow, created_at
       )
       SELECT ${VERSION_COLUMNS} FROM f, v`,
      [organizationId, dto.title, JSON.stringify(dto.callFlow)],
    );
    return view(row);
  }

  async list(organizationId: string, page: number, perPage: number) {
    const [rows, [{ total }]] = await Promise.all([
      this.db.query<VersionRow[]>(
        `SELECT ${VERSION_COLUMNS} FROM call_flows f JOIN call_flow_versions v ON v.call_flow_id = f.id AND v.version = f.latest_version
         WHERE f.organization_id = $1 AND f.deleted_at IS NULL ORDER BY f.updated_at DESC, f.id DESC LIMIT $2 OFFSET $3`,
        [organizationId, perPage, (page - 1) * perPage],
      ),
      this.db.query<{ total: number }[]>(`SELECT count(*)::int AS total FROM call_flows WHERE organization_id = $1 AND deleted_at IS NULL`, [organizationId]),
    ]);
    return { items: rows.map(view), pagination: { page, perPage, total, totalPages: Math.ceil(total / perPage) } };
  }

  /** The latest version, or `version`; a 404 when the flow (of this organization) or that version does not exist. */
  async get(organizationId: string, id: string, version?: number): Promise<SavedCallFlowView> {
    const row = UUID.test(id)
      ? (
          await this.db.query<VersionRow[]>(
            `SELECT ${VERSION_COLUMNS} FROM call_flows f JOIN call_flow_versions v ON v.call_flow_id = f.id AND v.version = coalesce($3, f.latest_version)
             WHERE f.id = $1 AND f.organization_id = $2 AND f.deleted_at IS NULL`,
            [id, organizationId, version ?? null],
          )
        )[0]
      : undefined;
    if (!row) {
      if (version !== undefined && (await this.exists(organizationId, id))) throw new NotFoundException(`Saved call flow "${id}" has no version ${version}`);
      throw new NotFoundException(`No saved call flow "${id}"`);
    }
    return view(row);
  }

  /** A new version: the flow given, and the title given or the previous one. */
  async update(organizationId: string, id: string, dto: UpdateSavedCallFlowDto): Promise<SavedCallFlowView> {
    if (!(await this.exists(organizationId, id))) throw new NotFoundException(`No saved call flow "${id}"`);
    compileCallFlow(dto.callFlow, this.platform);
    const [row] = await this.db.query<VersionRow[]>(
      `WITH f AS (
         UPDATE call_flows SET latest_version = latest_version + 1, updated_at = now()
         WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL RETURNING id, latest_version, created_at, updated_at
       ), v AS (
         INSERT INTO call_flow_versions (call_flow_id, version, title, call_flow, created_at)
         SELECT f.id, f.latest_version, coalesce($3, (SELECT title FROM call_flow_versions p WHERE p.call_flow_id = f.id AND p.version = f.latest_version - 1)), $4, f.updated_at
         FROM f RETURNING version, title, call_flow, created_at
       )
       SELECT ${VERSION_COLUMNS} FROM f, v`,
      [id, organizationId, dto.title ?? null, JSON.stringify(dto.callFlow)],
    );
    if (!row) throw new NotFoundException(`No saved call flow "${id}"`); // deleted meanwhile
    return view(row);
  }

  /** Hidden from now on (a 404); its versions stay, for the campaigns that name them. */
  async remove(organizationId: string, id: string): Promise<void> {
    const rows = UUID.test(id)
      ? await this.db.query<{ id: string }[]>(`WITH d AS (UPDATE call_flows SET deleted_at = now() WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL RETURNING id) SELECT id FROM d`, [id, organizationId])
      : [];
    if (rows.length === 0) throw new NotFoundException(`No saved call flow "${id}"`);
  }

  /**
   * The flow of a campaign or a preview, checked for `platform` (default: the deployment's) with `otherErrors`
   * found before: the one sent (callFlow), or the saved one (callFlowId, callFlowVersion or the latest), which
   * is a 404 when the organization has no such flow or version.
   */
  async resolve(organizationId: string, source: CallFlowSource, otherErrors: FieldError[] = [], platform: FlowPlatformLimits = this.platform): Promise<ResolvedCallFlow> {
    const sourceErrors = callFlowSourceErrors(source);
    if (sourceErrors.length > 0) throw new FieldValidationException([...otherErrors, ...sourceErrors]);
    if (source.callFlowId == null) return { ...compileCallFlow(source.callFlow, platform, otherErrors), saved: null };
    const saved = await this.get(organizationId, source.callFlowId, source.callFlowVersion ?? undefined);
    return { ...compileCallFlow(saved.callFlow, platform, otherErrors), saved: { callFlowId: saved.id, callFlowVersion: saved.version } };
  }

  /**
   * POST /call-flows/preview: the flow run on one imaginary callee (call-flow-preview.ts), after the checks
   * a submission makes: the flow (for the platform asked), then the callee's properties rendered into every
   * message (a missing placeholder, a value that cannot be spoken: the same errors as POST /call's, on
   * `properties`). Nothing is stored, nothing is dialed.
   */
  async preview(organizationId: string, dto: CallFlowPreviewRequestDto): Promise<FlowPreview & { platform: string; callFlowId?: string; callFlowVersion?: number }> {
    const platformName = dto.platform ?? this.platforms.configured;
    const keys = dto.keys ?? [];
    const { flow, templates, saved } = await this.resolve(organizationId, dto, previewKeyErrors(keys), this.platforms.byName[platformName]);
    const rendered = templates.render(dto.properties ?? {});
    if (rendered.error) throw new FieldValidationException([rendered.error], 'Invalid properties');
    const preview = await previewCallFlow(flow, rendered.messages!, keys as string[], (dto.transferStatus ?? 'answered') as TransferStatus);
    return { platform: platformName, ...(saved && saved), ...preview };
  }

  private async exists(organizationId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const rows = await this.db.query(`SELECT 1 FROM call_flows WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`, [id, organizationId]);
    return rows.length > 0;
  }
}
