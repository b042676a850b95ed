import { BirdConfig } from '../../config/app-config';

/** The route Bird calls on us (under PUBLIC_BASE_URL). */
export const BIRD_WEBHOOK_PATH = '/webhooks/bird';

/** A call's notification URL: it names our call, so a webhook is routed without a lookup by Bird's id. */
export function birdWebhookUrl(config: Pick<BirdConfig, 'publicBaseUrl'>, callId: string): string {
  return `${config.publicBaseUrl}${BIRD_WEBHOOK_PATH}?callId=${encodeURIComponent(callId)}`;
}

/** The full URL Bird requested, as its signature covers it: PUBLIC_BASE_URL and the path and query this process received. */
export function birdRequestedUrl(config: Pick<BirdConfig, 'publicBaseUrl'>, originalUrl: string): string {
  return `${config.publicBaseUrl}${originalUrl}`;
}
