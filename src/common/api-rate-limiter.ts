import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { STATUS_CODES } from './api-error';

/**
 * A token bucket per API key in Redis, on Redis's clock, so that every API process shares one limit.
 * The bucket holds up to ARGV[2] tokens and gains ARGV[1] per second; a request takes one.
 * KEYS[1] = the bucket (hash: tokens, at µs). Returns {allowed (0|1), retry-after ms}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000000)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
`;

/** 429 in the API's error shape; the guard sets Retry-After. */
export class TooManyRequestsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { status: STATUS_CODES[429], message: `Too many requests for this API key; retry after ${retryAfterSeconds} s` },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

type WithTake = { takeApiToken(key: string, perSecond: number, burst: number): Promise<[number, number]> };

@Injectable()
export class ApiRateLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {
    // Sent as EVALSHA once loaded (ioredis keeps the script's hash).
    if (!('takeApiToken' in redis.client)) redis.client.defineCommand('takeApiToken', { numberOfKeys: 1, lua: TAKE });
  }

  /**
   * Takes one request from the key's bucket (`keyId`: the key's hash, never the key itself); throws a
   * 429 when it is empty. RATE_LIMIT_PER_SECOND=0 turns the limit off.
   */
  async take(keyId: string): Promise<void> {
    const { perSecond, burst } = this.config.rateLimit ?? { perSecond: 0, burst: 0 };
    if (!(perSecond > 0)) return;
    const [allowed, waitMs] = await (this.redis.client as unknown as WithTake).takeApiToken(this.redis.key('rate-limit', keyId), perSecond, burst);
    if (allowed !== 1) throw new TooManyRequestsException(Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
