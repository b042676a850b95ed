import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are 192 random bits, so a fast hash is enough to store them safely (no need for a slow
 * password hash), and it lets every request find its organization with one indexed lookup.
 */
export function generateApiKey(): string {
  return `rk_${randomBytes(24).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}
