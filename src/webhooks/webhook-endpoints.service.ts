import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FieldValidationException } from '../common/api-error';
import { Clock } from '../common/clock';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { CreateWebhookEndpointDto, UpdateWebhookEndpointDto } from './webhook-endpoints.dto';
import { newSecret, WEBHOOK_EVENT_TYPES } from './webhook-events';
import { urlRefusal } from './webhook-url-guard';

/** How long the secret an endpoint had before a rotation still signs its deliveries (a second signature). */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600 * 1000;

interface EndpointRow {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  enabled: boolean;
  disabled_at: Date | null;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  type: string;
  status: string;
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  duration_ms: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENDPOINT_COLUMNS = `id, url, events, description, secret, enabled, disabled_at, disabled_reason, failing_since, created_at, updated_at`;
const DELIVERY_COLUMNS = `d.id, d.event_id, e.type, d.status, d.attempts, d.response_status, d.response_body, d.duration_ms, d.last_error,
  d.last_attempt_at, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at, d.delivered_at, d.created_at`;

function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.event_id,
    event: row.type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    responseBody: row.response_body,
    durationMs: row.duration_ms,
    error: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

/** The organization's webhook endpoints, their deliveries, and the secret of campaigns' statusCallbackUrl. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async create(organizationId: string, dto: CreateWebhookEndpointDto) {
    await this.checkUrl(dto.url);
    const [row] = await this.db.query<EndpointRow[]>(
      `INSERT INTO webhook_endpoints (organization_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [organizationId, dto.url, this.eventsOf(dto.events), dto.description ?? null, newSecret()],
    );
    return { ...endpointView(row), secret: row.secret };
  }

  async list(organizationId: string) {
    const rows = await this.db.query<EndpointRow[]>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 ORDER BY created_at, id`, [organizationId]);
    return { endpoints: rows.map(endpointView) };
  }

  async get(organizationId: string, id: string) {
    return endpointView(await this.rowOf(organizationId, id));
  }

  async update(organizationId: string, id: string, dto: UpdateWebhookEndpointDto) {
    await this.rowOf(organizationId, id);
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const [row] = await this.db.query<EndpointRow[]>(
      `WITH changed AS (
       UPDATE webhook_endpoints SET
         url = coalesce($3, url),
         events = coalesce($4, events),
         description = CASE WHEN $5 THEN $6 ELSE description END,
         enabled = coalesce($7, enabled),
         disabled_at = CASE WHEN $7 IS NULL THEN disabled_at WHEN $7 THEN NULL ELSE coalesce(disabled_at, now()) END,
         disabled_reason = CASE WHEN $7 IS NULL THEN disabled_reason WHEN $7 THEN NULL ELSE coalesce(disabled_reason, 'disabled by PATCH') END,
         failing_since = CASE WHEN $7 THEN NULL ELSE failing_since END,
         updated_at = now()
       WHERE organization_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}
     ), suspended_or_resumed AS (
       -- Disabled: its pending deliveries wait as suspended; enabled again: they are due at once.
       UPDATE webhook_deliveries d SET
         status = CASE WHEN $7 THEN 'pending' ELSE 'suspended' END,
         next_attempt_at = CASE WHEN $7 THEN $8::timestamptz ELSE d.next_attempt_at END
       WHERE d.endpoint_id = $2 AND $7 IS NOT NULL AND d.status = CASE WHEN $7 THEN 'suspended' ELSE 'pending' END AND EXISTS (SELECT 1 FROM changed)
     )
     SELECT * FROM changed`,
      [organizationId, id, dto.url ?? null, dto.events ?? null, dto.description !== undefined, dto.description ?? null, dto.enabled ?? null, this.clock.now()],
    );
    if (!row) throw this.notFound(id);
    return endpointView(row);
  }

  async remove(organizationId: string, id: string) {
    await this.rowOf(organizationId, id);
    const rows = await this.db.query<{ id: string }[]>(`WITH deleted AS (DELETE FROM webhook_endpoints WHERE organization_id = $1 AND id = $2 RETURNING id) SELECT id FROM deleted`, [organizationId, id]);
    if (rows.length === 0) throw this.notFound(id);
    return { deleted: id };
  }

  /** A new secret; the old one still signs (a second signature) for PREVIOUS_SECRET_GRACE_MS, so receivers can switch without losing events. */
  async rotateSecret(organizationId: string, id: string) {
    await this.rowOf(organizationId, id);
    const [row] = await this.db.query<EndpointRow[]>(
      `WITH rotated AS (
         UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $3, secret = $4, updated_at = now()
         WHERE organization_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}
       ) SELECT * FROM rotated`,
      [organizationId, id, new Date(this.clock.now().getTime() + PREVIOUS_SECRET_GRACE_MS), newSecret()],
    );
    if (!row) throw this.notFound(id);
    return { ...endpointView(row), secret: row.secret };
  }

  async deliveries(organizationId: string, endpointId: string, page: number, perPage: number) {
    await this.rowOf(organizationId, endpointId);
    const [{ total }] = await this.db.query<{ total: number }[]>(`SELECT count(*)::int AS total FROM webhook_deliveries WHERE endpoint_id = $1`, [endpointId]);
    const rows = await this.db.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3`,
      [endpointId, perPage, (page - 1) * perPage],
    );
    return { deliveries: rows.map(deliveryView), pagination: { page, perPage, total, totalPages: Math.ceil(total / perPage) } };
  }

  /** Sends one delivery again now (a failed one gets one more attempt; a delivered one is sent once more, same webhook-id). */
  async retry(organizationId: string, endpointId: string, deliveryId: string) {
    const endpoint = await this.rowOf(organizationId, endpointId);
    const missing = new NotFoundException(`No delivery "${deliveryId}" of webhook endpoint "${endpointId}"`);
    if (!UUID.test(deliveryId)) throw missing;
    if (!endpoint.enabled) throw new ConflictException(`Webhook endpoint "${endpointId}" is disabled; enable it with PATCH first`);
    const [row] = await this.db.query<DeliveryRow[]>(
      `WITH retried AS (
         UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3 WHERE id = $2 AND endpoint_id = $1 RETURNING *
       )
       SELECT ${DELIVERY_COLUMNS} FROM retried d JOIN webhook_events e ON e.id = d.event_id`,
      [endpointId, deliveryId, this.clock.now()],
    );
    if (!row) throw missing;
    return deliveryView(row);
  }

  /** Deliveries to a campaign's own statusCallbackUrl, newest first. */
  async campaignDeliveries(organizationId: string, requestId: string, page: number, perPage: number) {
    const callRequestId = await this.campaignOf(organizationId, requestId);
    const [{ total }] = await this.db.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id AND d.url IS NOT NULL WHERE e.call_request_id = $1`,
      [callRequestId],
    );
    const rows = await this.db.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id AND d.url IS NOT NULL
       WHERE e.call_request_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3`,
      [callRequestId, perPage, (page - 1) * perPage],
    );
    return { deliveries: rows.map(deliveryView), pagination: { page, perPage, total, totalPages: Math.ceil(total / perPage) } };
  }

  /** Sends one delivery to the campaign's statusCallbackUrl again now (same webhook-id). */
  async retryCampaignDelivery(organizationId: string, requestId: string, deliveryId: string) {
    const callRequestId = await this.campaignOf(organizationId, requestId);
    const missing = new NotFoundException(`No status callback delivery "${deliveryId}" of call request "${requestId}"`);
    if (!UUID.test(deliveryId)) throw missing;
    const [row] = await this.db.query<DeliveryRow[]>(
      `WITH retried AS (
         UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = $3
         FROM webhook_events e WHERE d.id = $2 AND d.url IS NOT NULL AND e.id = d.event_id AND e.call_request_id = $1
         RETURNING d.*
       )
       SELECT ${DELIVERY_COLUMNS} FROM retried d JOIN webhook_events e ON e.id = d.event_id`,
      [callRequestId, deliveryId, this.clock.now()],
    );
    if (!row) throw missing;
    return deliveryView(row);
  }

  private async campaignOf(organizationId: string, requestId: string): Promise<string> {
    const [row] = await this.db.query<{ id: string }[]>(`SELECT id FROM call_requests WHERE organization_id = $1 AND request_id = $2`, [organizationId, requestId]);
    if (!row) throw new NotFoundException(`No call request "${requestId}"`);
    return row.id;
  }

  /** Creates or replaces the secret that signs deliveries to campaigns' statusCallbackUrl. */
  async rotateStatusCallbackSecret(organizationId: string) {
    const [row] = await this.db.query<{ secret: string; created_at: Date }[]>(
      `INSERT INTO status_callback_secrets (organization_id, secret) VALUES ($1, $2)
       ON CONFLICT (organization_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now() RETURNING secret, created_at`,
      [organizationId, newSecret()],
    );
    return { secret: row.secret, createdAt: row.created_at };
  }

  private eventsOf(events: string[] | undefined): string[] {
    return events ? [...new Set(events)] : [...WEBHOOK_EVENT_TYPES];
  }

  private async checkUrl(url: string): Promise<void> {
    const refusal = await urlRefusal(url, this.config.webhooks);
    if (refusal) throw new FieldValidationException([{ field: 'url', message: refusal }]);
  }

  private async rowOf(organizationId: string, id: string): Promise<EndpointRow> {
    const [row] = UUID.test(id)
      ? await this.db.query<EndpointRow[]>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 AND id = $2`, [organizationId, id])
      : [];
    if (!row) throw this.notFound(id);
    return row;
  }

  private notFound(id: string): NotFoundException {
    return new NotFoundException(`No webhook endpoint "${id}"`);
  }
}
