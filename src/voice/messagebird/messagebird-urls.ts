import { MessageBirdConfig } from '../../config/app-config';

/** Routes MessageBird calls on us (under PUBLIC_BASE_URL). */
export const WEBHOOK_PATH = '/webhooks/messagebird';
export const CALL_FLOW_PATH = '/webhooks/messagebird/call-flow';
export const BEEP_PATH = '/webhooks/messagebird/beep.wav';

/** A call's webhook URL: it names our call, so a webhook is routed without a lookup by MessageBird's id. */
export function webhookUrl(config: Pick<MessageBirdConfig, 'publicBaseUrl'>, callId: string): string {
  return `${config.publicBaseUrl}${WEBHOOK_PATH}?callId=${encodeURIComponent(callId)}`;
}

/** Base of every fetchCallFlow URL (the position in the flow is added to its query). */
export function callFlowUrl(config: Pick<MessageBirdConfig, 'publicBaseUrl'>): string {
  return `${config.publicBaseUrl}${CALL_FLOW_PATH}`;
}

/** The tone a record step with `beep` plays first (A16). */
export function beepUrl(config: Pick<MessageBirdConfig, 'publicBaseUrl'>): string {
  return `${config.publicBaseUrl}${BEEP_PATH}`;
}

/**
 * The full URL MessageBird requested, as its signature's url_hash covers it: PUBLIC_BASE_URL (the
 * address we gave MessageBird) followed by the path and query this process received.
 */
export function requestedUrl(config: Pick<MessageBirdConfig, 'publicBaseUrl'>, originalUrl: string): string {
  return `${config.publicBaseUrl}${originalUrl}`;
}
