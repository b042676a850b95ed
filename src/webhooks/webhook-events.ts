import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Every event a receiver can subscribe to (README "Status callbacks"). */
export const WEBHOOK_EVENT_TYPES = ['call.completed', 'recording.ready', 'campaign.completed', 'campaign.paused', 'campaign.resumed', 'campaign.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A new signing secret in the Standard Webhooks form: `whsec_` + Base64 of 32 random bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The three Standard Webhooks headers of one attempt: `webhook-signature` is `v1,` + Base64 HMAC-SHA256 over
 * `id.timestamp.body`, signed by the `standardwebhooks` package itself; several secrets (the one just
 * replaced, for a day after a rotation) give several space-separated signatures.
 */
export function signedHeaders(id: string, timestamp: Date, body: string, secrets: string[]): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' '),
  };
}

/**
 * The wait before attempt `attempt + 1` after `attempt` attempts (1-based), with ±10 % jitter; null when
 * the schedule is exhausted (the delivery has failed).
 */
export function retryDelayMs(schedule: number[], attempt: number, random = Math.random()): number | null {
  const base = schedule[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.9 + 0.2 * random));
}

/**
 * `recording.ready`, once per call, when every recording of the call can be fetched: at the call's end for a
 * campaign without whole-call recording whose record step left a message; for a campaign with
 * `enableCallRecording`, when the platform's whole-call recordings are stored, all settled and one done.
 */
export function recordingsReadySql(recordings: string, before: string): string {
  const ready = (list: string) =>
    `(jsonb_array_length(${list}) > 0 AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${list}) x WHERE x ->> 'status' NOT IN ('done', 'failed'))
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(${list}) x WHERE x ->> 'status' = 'done'))`;
  return `${ready(recordings)} AND NOT ${ready(`coalesce(${before}, '[]'::jsonb)`)}`;
}

/**
 * CTEs that write the outbox in the statement that changes the state: `source` is an earlier CTE of rows
 * (organization_id, call_request_id, call_id, type). An event is written only when someone listens (an
 * enabled endpoint of the organization subscribed to its type, or the campaign's statusCallbackUrl), with
 * one delivery per receiver; with no receiver the statement costs two index probes.
 */
export function outboxCtes(source: string): string {
  return `, webhook_event AS (
      INSERT INTO webhook_events (organization_id, type, call_request_id, call_id)
      SELECT s.organization_id, s.type, s.call_request_id, s.call_id FROM ${source} s
      WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organization_id = s.organization_id AND w.enabled AND s.type = ANY (w.events))
         OR EXISTS (SELECT 1 FROM call_requests q WHERE q.id = s.call_request_id AND q.status_callback_url IS NOT NULL)
      RETURNING id, organization_id, type, call_request_id
    ), webhook_delivery AS (
      INSERT INTO webhook_deliveries (event_id, organization_id, endpoint_id, url)
      SELECT ev.id, ev.organization_id, w.id, NULL FROM webhook_event ev
        JOIN webhook_endpoints w ON w.organization_id = ev.organization_id AND w.enabled AND ev.type = ANY (w.events)
      UNION ALL
      SELECT ev.id, ev.organization_id, NULL, q.status_callback_url FROM webhook_event ev
        JOIN call_requests q ON q.id = ev.call_request_id WHERE q.status_callback_url IS NOT NULL
    )`;
}
