import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifySignature } from './webhook-signature';

interface Vector {
  name: string;
  method: string;
  secret?: string;
  url: string;
  payload?: string;
  timestamp: string;
  token: string;
  valid: boolean;
  reason?: string;
}

/** MessageBird's reference vectors for MessageBird-Signature-JWT (43 cases). */
const vectors: Vector[] = JSON.parse(
  readFileSync(join(__dirname, '../../../test/support/messagebird-double/fixtures/signature/jwt-reference-vectors.json'), 'utf8'),
);

describe('MessageBird-Signature-JWT verification', () => {
  it('has all 43 reference vectors', () => {
    expect(vectors).toHaveLength(43);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const verdict = verifySignature({ token: vector.token, url: vector.url, body: vector.payload }, vector.secret ?? '', new Date(vector.timestamp));
    expect(verdict.valid).toBe(vector.valid);
    if (!vector.valid && !verdict.valid) {
      // Our reason names the same failed rule as the reference's ("invalid jwt: <rule>").
      expect(vector.reason).toContain(verdict.reason);
    }
  });

  const secret = 'test-signing-key';
  const url = 'https://robocall.example.com/webhooks/messagebird?callId=abc';
  const body = '{"items":[]}';
  const sign = (claims: Record<string, unknown>, alg = 'HS256', key = secret) => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
    return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
  };
  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  const now = new Date('2025-01-01T00:00:00Z');
  const t = now.getTime() / 1000;
  const good = { iss: 'MessageBird', nbf: t, exp: t + 60, jti: 'j1', url_hash: hash(url), payload_hash: hash(body) };

  it('accepts a token within the 5 s skew and refuses one beyond it', () => {
    expect(verifySignature({ token: sign({ ...good, nbf: t + 4 }), url, body }, secret, now).valid).toBe(true);
    expect(verifySignature({ token: sign({ ...good, nbf: t + 6 }), url, body }, secret, now)).toEqual({ valid: false, reason: 'claim nbf is in the future' });
    expect(verifySignature({ token: sign({ ...good, exp: t - 4 }), url, body }, secret, now).valid).toBe(true);
    expect(verifySignature({ token: sign({ ...good, exp: t - 6 }), url, body }, secret, now)).toEqual({ valid: false, reason: 'claim exp is in the past' });
  });

  it('requires jti, exp, the issuer and a header', () => {
    const { jti: _jti, ...noJti } = good;
    const { exp: _exp, ...noExp } = good;
    expect(verifySignature({ token: sign(noJti), url, body }, secret, now)).toEqual({ valid: false, reason: 'claim jti is missing' });
    expect(verifySignature({ token: sign(noExp), url, body }, secret, now)).toEqual({ valid: false, reason: 'claim exp is missing' });
    expect(verifySignature({ token: sign({ ...good, iss: 'Mallory' }), url, body }, secret, now)).toEqual({ valid: false, reason: 'claim iss is invalid' });
    expect(verifySignature({ token: undefined, url, body }, secret, now).valid).toBe(false);
    expect(verifySignature({ token: 'not.a-jwt', url, body }, secret, now).valid).toBe(false);
  });

  it('refuses a token whose header names HS256 but is signed with another key, or claims another algorithm', () => {
    expect(verifySignature({ token: sign(good, 'HS256', 'other-key'), url, body }, secret, now)).toEqual({ valid: false, reason: 'signature is invalid' });
    expect(verifySignature({ token: sign(good, 'RS256'), url, body }, secret, now)).toEqual({ valid: false, reason: 'signing method RS256 is invalid' });
  });
});
