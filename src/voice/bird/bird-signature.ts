import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The headers Bird signs its webhooks with (Notifications API, "Verifying a webhook"). */
export const SIGNATURE_HEADER = 'messagebird-signature';
export const TIMESTAMP_HEADER = 'messagebird-request-timestamp';
/** A request whose timestamp is further than this from our clock is refused (a replayed or delayed request). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface SignedWebhook {
  signature: string | undefined;
  timestamp: string | undefined;
  /** The full URL Bird requested: scheme, host, path and query as sent. */
  url: string;
  body: Buffer;
}

export type SignatureVerdict = { valid: true } | { valid: false; reason: string };

/** Base64(HMAC-SHA256(signingKey, timestamp + "\n" + url + "\n" + SHA-256(body) as raw bytes)). */
export function birdSignature(signingKey: string, timestamp: string, url: string, body: Buffer | string): string {
  const bodyHash = createHash('sha256').update(body).digest();
  return createHmac('sha256', signingKey).update(Buffer.concat([Buffer.from(`${timestamp}\n${url}\n`, 'utf8'), bodyHash])).digest('base64');
}

/** The timestamp header as a time (B14): Unix seconds, Unix milliseconds, or ISO 8601. */
export function timestampOf(header: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(header)) {
    const value = Number(header);
    return value > 1e12 ? value : value * 1000;
  }
  const parsed = Date.parse(header);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Verifies a Bird webhook's signature and the freshness of its timestamp. */
export function verifyBirdSignature(request: SignedWebhook, signingKey: string, now = Date.now()): SignatureVerdict {
  if (!request.signature) return { valid: false, reason: `missing ${SIGNATURE_HEADER} header` };
  if (!request.timestamp) return { valid: false, reason: `missing ${TIMESTAMP_HEADER} header` };
  const at = timestampOf(request.timestamp);
  if (at === undefined) return { valid: false, reason: `${TIMESTAMP_HEADER} is not a time` };
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) return { valid: false, reason: `${TIMESTAMP_HEADER} is more than 5 minutes from now` };
  const expected = Buffer.from(birdSignature(signingKey, request.timestamp, request.url, request.body), 'base64');
  const given = Buffer.from(request.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'signature is invalid' };
  return { valid: true };
}
