import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * Starts counting one call: drops entries whose process stopped refreshing them, adds this call,
 * records the highest count ever seen, and counts the dial per number and in dial order.
 * Time comes from Redis so that every process agrees on expiry.
 * KEYS[1] = live calls (sorted set: member = provider call id, score = expiry ms), KEYS[2] = max,
 * KEYS[3] = dials per number (hash), KEYS[4] = numbers in dial order (list);
 * ARGV[1] = provider call id, ARGV[2] = liveness ms, ARGV[3] = phone
 */
const START = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local live = redis.call('ZCARD', KEYS[1])
if live > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], live) end
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('RPUSH', KEYS[4], ARGV[3])
return live
`;

/** Keeps this process's live calls counted (a call of a process that died drops out after the liveness time). */
const REFRESH = `
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
return #ARGV - 1
`;

/** A simulated call counts as live this long after its process last refreshed it. */
export const LIVENESS_MS = 1000;

/** The Redis keys under SIMULATOR_CONCURRENCY_KEY, for whoever reads the counts (the tests). */
export function concurrencyCounterKeys(key: string) {
  return { live: `${key}:live`, max: `${key}:max`, dials: `${key}:dials`, order: `${key}:order` };
}

/**
 * An independent witness of the simulated telephone network (SIMULATOR_CONCURRENCY_KEY, off by default):
 * how many calls it carries at once across every worker process, the most it ever carried, and how many
 * times each number was dialed. It knows nothing of slot leases or of the calls table, so a test can check
 * the limit without trusting the service's own bookkeeping. It counts every call the network carries,
 * whatever its organization: give each organization under test its own key, or test one at a time.
 */
export class SimulatorConcurrencyCounter {
  private readonly logger = new Logger(SimulatorConcurrencyCounter.name);
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof concurrencyCounterKeys>;
  private readonly live = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(key: string, redisUrl: string) {
    this.keys = concurrencyCounterKeys(key);
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.defineCommand('simulatorCallStarted', { numberOfKeys: 4, lua: START });
    this.redis.defineCommand('simulatorCallsRefresh', { numberOfKeys: 1, lua: REFRESH });
    this.timer = setInterval(() => void this.refresh(), LIVENESS_MS / 4);
    this.timer.unref();
  }

  /** Before the call rings: it holds a line from here on. */
  async started(providerCallId: string, phone: string): Promise<void> {
    this.live.add(providerCallId);
    await (this.redis as any)
      .simulatorCallStarted(this.keys.live, this.keys.max, this.keys.dials, this.keys.order, providerCallId, LIVENESS_MS, phone)
      .catch((error: unknown) => this.logger.error(`concurrency counter: ${error}`));
  }

  /** Before its end is reported: once the service hears of the end it may give the slot to another call. */
  async ended(providerCallId: string): Promise<void> {
    this.live.delete(providerCallId);
    await this.redis.zrem(this.keys.live, providerCallId).catch((error) => this.logger.error(`concurrency counter: ${error}`));
  }

  private async refresh(): Promise<void> {
    if (this.live.size === 0) return;
    await (this.redis as any).simulatorCallsRefresh(this.keys.live, LIVENESS_MS, ...this.live).catch((error: unknown) => this.logger.warn(`concurrency counter: ${error}`));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
