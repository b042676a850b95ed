import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * Whether `apiKey` hashes to `storedHash`, compared in constant time. The organization is found by
 * its hash in SQL (an index lookup, whose time may depend on how many leading characters of the hash
 * match a stored one); that is no timing oracle: the attacker learns about sha256(guess), and getting
 * closer to a stored hash means finding sha256 preimages, while a hash alone authenticates nothing.
 * This check after the lookup keeps the comparison that does decide constant-time all the same.
 */
export function apiKeyMatches(apiKey: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKey(apiKey), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
