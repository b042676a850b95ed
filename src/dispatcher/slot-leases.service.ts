import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';

/**
 * Acquires up to ARGV[2] leases while free slots remain: free = limit - external - live leases.
 * Time comes from Redis so that every worker agrees on expiry; lease ids are time and a counter, so they
 * are unique across workers and do not repeat after Redis was emptied (restored leases keep their ids). Returns the new lease ids
 * and the leases held before them (none when no lease was free), or -1 when the limits are unknown.
 * KEYS[1] = leases (sorted set: member = lease id, score = expiry ms), KEYS[2] = limits (hash: limit, external),
 * KEYS[3] = lease id counter; ARGV[1] = ttl ms, ARGV[2] = leases wanted
 */
const ACQUIRE = `
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then return -1 end
local external = tonumber(redis.call('HGET', KEYS[2], 'external') or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local n = math.min(limit - external - redis.call('ZCARD', KEYS[1]), tonumber(ARGV[2]))
local ids = {}
if n <= 0 then return {ids, {}} end
local held = redis.call('ZRANGE', KEYS[1], 0, -1)
local last = redis.call('INCRBY', KEYS[3], n)
for i = 1, n do
  ids[i] = now .. '-' .. (last - n + i)
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ids[i])
end
return {ids, held}
`;

/** Extends the given leases (re-adding any that vanished, e.g. after Redis was emptied). */
const RENEW = `
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
return #ARGV - 1
`;

/** Extends one lease only if it is still live; 1 if it was, 0 if it expired or was released. */
const EXTEND_IF_HELD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]))
if not expiry or expiry <= now then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
return 1
`;

export interface SlotLimits {
  limit: number;
  external: number;
}

/**
 * The organization's concurrent-call slots, shared exactly by every worker process: each call holds a lease
 * in Redis while it runs; a lease whose worker died expires and its slot comes back.
 */
@Injectable()
export class SlotLeasesService {
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.ttlMs = config.slotLeaseTtlMs;
    redis.client.defineCommand('slotAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    redis.client.defineCommand('slotRenew', { numberOfKeys: 1, lua: RENEW });
    redis.client.defineCommand('slotExtendIfHeld', { numberOfKeys: 1, lua: EXTEND_IF_HELD });
  }

  private leasesKey(organizationId: string) {
    return this.redis.key('slots', organizationId, 'leases');
  }

  private limitsKey(organizationId: string) {
    return this.redis.key('slots', organizationId, 'limits');
  }

  /**
   * Acquires up to `wanted` slots; null when the limits are not in Redis yet (call setLimits, then retry).
   * `held`: the leases the organization's calls held already (only when some were acquired): the claim
   * counts each campaign's slots from them, as a call's slot comes back before its end is written.
   */
  async acquire(organizationId: string, wanted: number): Promise<{ leases: string[]; held: string[] } | null> {
    const result: [string[], string[]] | number = await (this.redis.client as any).slotAcquire(
      this.leasesKey(organizationId),
      this.limitsKey(organizationId),
      this.redis.key('slots', organizationId, 'lease-counter'),
      this.ttlMs,
      wanted,
    );
    return typeof result === 'number' ? null : { leases: result[0], held: result[1] };
  }

  async release(organizationId: string, leaseIds: string[]): Promise<void> {
    if (leaseIds.length > 0) await this.redis.client.zrem(this.leasesKey(organizationId), ...leaseIds);
  }

  async renew(organizationId: string, leaseIds: string[]): Promise<void> {
    if (leaseIds.length > 0) await (this.redis.client as any).slotRenew(this.leasesKey(organizationId), this.ttlMs, ...leaseIds);
  }

  /** Extends a lease that is still live; false when it has expired (its slot may already serve another call). */
  async extendIfHeld(organizationId: string, leaseId: string): Promise<boolean> {
    return (await (this.redis.client as any).slotExtendIfHeld(this.leasesKey(organizationId), this.ttlMs, leaseId)) === 1;
  }

  /** Whether a lease is still held (present and not expired). */
  async isHeld(organizationId: string, leaseId: string): Promise<boolean> {
    const expiry = await this.redis.client.zscore(this.leasesKey(organizationId), leaseId);
    return expiry !== null && Number(expiry) > Date.now();
  }

  /** Live (unexpired) leases of each organization, in one round trip: the slots in use (metrics). */
  async liveLeaseCounts(organizationIds: string[]): Promise<number[]> {
    const pipeline = this.redis.client.pipeline();
    for (const id of organizationIds) pipeline.zcount(this.leasesKey(id), `(${Date.now()}`, '+inf');
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, count]) => {
      if (error) throw error;
      return Number(count);
    });
  }

  /**
   * A slot for a call that is already running on the platform (taken over from a worker that died): held
   * whatever the limit says, since the call uses a line either way; while it runs, fewer are handed out.
   */
  async takeForRunningCall(organizationId: string): Promise<string> {
    const leaseId = `adopted-${randomUUID()}`;
    await this.renew(organizationId, [leaseId]);
    return leaseId;
  }

  async setLimits(organizationId: string, limits: SlotLimits): Promise<void> {
    await this.redis.client.hset(this.limitsKey(organizationId), { limit: limits.limit, external: limits.external });
  }

  get leaseTtlMs(): number {
    return this.ttlMs;
  }
}
