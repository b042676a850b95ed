import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { STATUS_CODES } from './api-error';

/**
 * A token bucket per API key in Redis, on Redis's clock, so that every API process shares one limit.
 * The bucket holds up to ARGV[2] tokens and gains ARGV[1] per second; a call takes up to ARGV[3] of them.
 * KEYS[1] = the bucket (hash: tokens, at µs). Returns {tokens taken (0 … ARGV[3]), retry-after ms when none}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000000)
end
local taken = math.min(wanted, math.floor(tokens))
local wait = 0
if taken >= 1 then
  tokens = tokens - taken
else
  taken = 0
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {taken, wait}
`;

/** How long a process keeps tokens it took ahead (see tokensPerCall). */
const HOLD_MS = 1000;

/**
 * How many tokens one Redis call takes ahead for a key: a hundredth of a second's rate (20 at the default 2,000).
 * The processes together never take more than the bucket holds; a process keeps what it took for HOLD_MS at
 * most, so it leaves at most one such batch a second unused (1 % of the rate), e.g. when its requests stop.
 */
export function tokensPerCall(perSecond: number, burst: number): number {
  return Math.max(1, Math.min(Math.floor(perSecond / 100), Math.floor(burst)));
}

/** 429 in the API's error shape; the guard sets Retry-After. */
export class TooManyRequestsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { status: STATUS_CODES[429], message: `Too many requests for this API key; retry after ${retryAfterSeconds} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

type WithTake = { takeApiTokens(key: string, perSecond: number, burst: number, wanted: number): Promise<[number, number]> };

interface HeldTokens {
  tokens: number;
  /** Date.now() after which they are dropped; for an empty bucket, until when it is known to stay empty. */
  until: number;
  /** Redis had no token: the retry-after it gave. */
  emptyWaitMs?: number;
}

@Injectable()
export class ApiRateLimiter {
  /** Tokens this process took ahead, per bucket key; refills in flight, so that concurrent requests share one. */
  private readonly held = new Map<string, HeldTokens>();
  private readonly refills = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {
    // Sent as EVALSHA once loaded (ioredis keeps the script's hash).
    if (!('takeApiTokens' in redis.client)) redis.client.defineCommand('takeApiTokens', { numberOfKeys: 1, lua: TAKE });
  }

  /**
   * Takes one request from the key's bucket (`keyId`: the key's hash, never the key itself); throws a
   * 429 when it is empty. RATE_LIMIT_PER_SECOND=0 turns the limit off. At the default 2,000 a second, one
   * Redis call serves 20 requests of a key (tokensPerCall) instead of one each.
   */
  async take(keyId: string): Promise<void> {
    const { perSecond, burst } = this.config.rateLimit ?? { perSecond: 0, burst: 0 };
    if (!(perSecond > 0)) return;
    for (;;) {
      if (this.takeHeld(keyId)) return;
      const refill = this.refills.get(keyId);
      if (refill) {
        await refill.catch(() => undefined);
        continue;
      }
      await this.refill(keyId, perSecond, burst);
      if (this.takeHeld(keyId)) return;
    }
  }

  /** One of the tokens held; false when none is (ask Redis); a 429 while Redis said the bucket is empty. */
  private takeHeld(keyId: string): boolean {
    const held = this.held.get(keyId);
    if (!held || Date.now() > held.until) return false;
    if (held.emptyWaitMs !== undefined) throw new TooManyRequestsException(Math.max(1, Math.ceil(held.emptyWaitMs / 1000)));
    if (held.tokens < 1) return false;
    held.tokens--;
    return true;
  }

  /**
   * Takes tokens ahead from Redis into `held`, or learns how long the bucket stays empty: no token can appear in it
   * before then (only time adds tokens), so the requests until then are refused here without asking again.
   */
  private refill(keyId: string, perSecond: number, burst: number): Promise<void> {
    const wanted = tokensPerCall(perSecond, burst);
    const refill = (this.redis.client as unknown as WithTake)
      .takeApiTokens(this.redis.key('rate-limit', keyId), perSecond, burst, wanted)
      .then(([taken, waitMs]) => {
        this.held.set(keyId, taken > 0 ? { tokens: taken, until: Date.now() + HOLD_MS } : { tokens: 0, until: Date.now() + waitMs, emptyWaitMs: waitMs });
      })
      .finally(() => this.refills.delete(keyId));
    this.refills.set(keyId, refill);
    return refill;
  }
}
