import { createHash, createHmac, randomUUID } from 'node:crypto';

/**
 * Signs a request the way MessageBird does (MessageBird-Signature-JWT): an HS256 JWT with the account's
 * signing key, `iss`, `nbf`, `exp` one minute later, a fresh `jti`, the SHA-256 of the full URL and,
 * when there is a body, of the body. Written here, apart from the service's verifier, so that the two
 * are checked against each other (and the verifier against MessageBird's reference vectors).
 */
export function signRequest(signingKey: string, url: string, body: string | Buffer | undefined, now = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const claims: Record<string, unknown> = {
    iss: 'MessageBird',
    nbf: seconds,
    exp: seconds + 60,
    jti: randomUUID(),
    url_hash: createHash('sha256').update(url).digest('hex'),
  };
  if (body !== undefined && body.length > 0) claims.payload_hash = createHash('sha256').update(body).digest('hex');
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', Buffer.from(signingKey, 'utf8')).update(unsigned).digest('base64url')}`;
}
