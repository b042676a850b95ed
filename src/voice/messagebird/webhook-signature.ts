import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header MessageBird signs its requests to us with (webhooks and fetchCallFlow requests). */
export const SIGNATURE_HEADER = 'messagebird-signature-jwt';

/** HMAC algorithms MessageBird may sign with (its own SDKs accept these three); anything else is refused. */
const HMAC_ALGORITHMS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const ISSUER = 'MessageBird';
/** Clock skew tolerated on nbf/exp, in seconds. */
const CLOCK_SKEW_SECONDS = 5;

export type SignatureVerdict = { valid: true; jti: string } | { valid: false; reason: string };

export interface SignedRequest {
  /** The MessageBird-Signature-JWT header (undefined when absent). */
  token: string | undefined;
  /** The full URL MessageBird requested: scheme, host, path and query exactly as sent. */
  url: string;
  /** The raw body; empty or undefined when there is none. */
  body: Buffer | string | undefined;
}

/**
 * Verifies a MessageBird-Signature-JWT: an HS256/384/512 JWT signed with the account's signing key,
 * `iss` = MessageBird, `nbf`/`exp` within 5 s of skew (`exp` required), `jti` required,
 * `url_hash` = SHA-256 of the full URL, and `payload_hash` = SHA-256 of the body, present exactly
 * when there is a body. Written on node:crypto (see docs/messagebird.md, "Signatures").
 */
export function verifySignature(request: SignedRequest, signingKey: string, now: Date = new Date()): SignatureVerdict {
  const invalid = (reason: string): SignatureVerdict => ({ valid: false, reason });
  const { token } = request;
  if (!token) return invalid('missing MessageBird-Signature-JWT header');
  const parts = token.split('.');
  if (parts.length !== 3) return invalid('not a JWT');
  const [encodedHeader, encodedClaims, encodedSignature] = parts;
  const header = decodeJson(encodedHeader);
  const claims = decodeJson(encodedClaims);
  if (!header || !claims) return invalid('malformed JWT');

  const algorithm = typeof header.alg === 'string' ? HMAC_ALGORITHMS[header.alg] : undefined;
  if (!algorithm) return invalid(`signing method ${String(header.alg)} is invalid`);
  const expected = createHmac(algorithm, Buffer.from(signingKey, 'utf8')).update(`${encodedHeader}.${encodedClaims}`).digest();
  if (!sameBytes(Buffer.from(encodedSignature, 'base64url'), expected)) return invalid('signature is invalid');

  if (claims.iss !== ISSUER) return invalid('claim iss is invalid');
  const seconds = now.getTime() / 1000;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > seconds + CLOCK_SKEW_SECONDS)) return invalid('claim nbf is in the future');
  if (typeof claims.exp !== 'number') return invalid('claim exp is missing');
  if (claims.exp <= seconds - CLOCK_SKEW_SECONDS) return invalid('claim exp is in the past');
  if (typeof claims.jti !== 'string' || claims.jti === '') return invalid('claim jti is missing');

  if (typeof claims.url_hash !== 'string') return invalid('claim url_hash is missing');
  if (!sameBytes(Buffer.from(claims.url_hash, 'hex'), sha256(request.url))) return invalid('claim url_hash is invalid');

  const body = request.body ?? '';
  const hasBody = body.length > 0;
  if (claims.payload_hash === undefined) {
    if (hasBody) return invalid('claim payload_hash is not set but payload is present');
  } else {
    if (!hasBody) return invalid('claim payload_hash is set but actual payload is missing');
    if (typeof claims.payload_hash !== 'string' || !sameBytes(Buffer.from(claims.payload_hash, 'hex'), sha256(body))) {
      return invalid('claim payload_hash is invalid');
    }
  }
  return { valid: true, jti: claims.jti };
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
