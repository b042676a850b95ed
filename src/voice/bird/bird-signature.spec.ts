import { createHash, createHmac } from 'node:crypto';
import { birdSignature, timestampOf, verifyBirdSignature } from './bird-signature';

const key = 'secureSigningKey';
const url = 'https://domain.com/webhook/bird?callId=1';
const body = Buffer.from('{"service":"channels","event":"voice.outbound"}');
const now = Date.parse('2025-01-01T12:00:00Z');
const timestamp = String(now / 1000);

describe('Bird webhook signatures', () => {
  it('matches the documented recipe: HMAC-SHA256 over timestamp, URL and the raw SHA-256 of the body, Base64', () => {
    // The PHP example of "Verifying a webhook", step by step.
    const bodyHash = createHash('sha256').update(body).digest();
    const joined = Buffer.concat([Buffer.from(`${timestamp}\n${url}\n`), bodyHash]);
    expect(birdSignature(key, timestamp, url, body)).toBe(createHmac('sha256', key).update(joined).digest('base64'));
  });

  it('accepts a valid signature and refuses every change of key, URL, body or timestamp', () => {
    const signature = birdSignature(key, timestamp, url, body);
    expect(verifyBirdSignature({ signature, timestamp, url, body }, key, now)).toEqual({ valid: true });
    expect(verifyBirdSignature({ signature, timestamp, url, body }, 'other', now)).toMatchObject({ valid: false, reason: 'signature is invalid' });
    expect(verifyBirdSignature({ signature, timestamp, url: `${url}2`, body }, key, now)).toMatchObject({ valid: false });
    expect(verifyBirdSignature({ signature, timestamp, url, body: Buffer.from('{}') }, key, now)).toMatchObject({ valid: false });
    expect(verifyBirdSignature({ signature, timestamp: String(now / 1000 + 1), url, body }, key, now)).toMatchObject({ valid: false });
  });

  it('refuses a missing signature or timestamp, and a timestamp more than 5 minutes off', () => {
    expect(verifyBirdSignature({ signature: undefined, timestamp, url, body }, key, now)).toMatchObject({ valid: false, reason: 'missing messagebird-signature header' });
    expect(verifyBirdSignature({ signature: 'x', timestamp: undefined, url, body }, key, now)).toMatchObject({ valid: false, reason: 'missing messagebird-request-timestamp header' });
    const old = String(now / 1000 - 301);
    expect(verifyBirdSignature({ signature: birdSignature(key, old, url, body), timestamp: old, url, body }, key, now)).toMatchObject({ valid: false, reason: expect.stringContaining('5 minutes') });
    const recent = String(now / 1000 - 299);
    expect(verifyBirdSignature({ signature: birdSignature(key, recent, url, body), timestamp: recent, url, body }, key, now)).toEqual({ valid: true });
  });

  it('reads timestamps in seconds, milliseconds and ISO 8601', () => {
    expect(timestampOf('1735732800')).toBe(now);
    expect(timestampOf('1735732800000')).toBe(now);
    expect(timestampOf('2025-01-01T12:00:00Z')).toBe(now);
    expect(timestampOf('yesterday')).toBeUndefined();
  });
});
