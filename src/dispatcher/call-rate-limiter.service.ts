import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';

/**
 * Grants one call if fewer than ARGV[1] calls were granted in the sliding window of ARGV[2] µs that ends now,
 * recording it in a log of grant times. Time comes from Redis (microseconds), so every worker agrees on it.
 * A grant at time s occupies the half-open window [s, s + window); an entry is dropped once now >= s + window.
 * Returns {granted (0|1), now µs, wait µs}: wait is 0 while another call could be granted at once, otherwise
 * how long until enough old grants leave the window for the next one (the (count - limit + 1)-th oldest).
 * KEYS[1] = grant log (sorted set: member = unique grant id, score = grant time µs);
 * ARGV[1] = calls per window, ARGV[2] = window µs, ARGV[3] = grant id.
 * Numbers are passed to redis.call as "%.17g", so µs timestamps (~1.8e15 < 2^53) stay exact.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local granted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 60000)
  granted = 1
  count = count + 1
end
local wait = 0
if count >= limit then
  local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  wait = tonumber(blocking[2]) + window - now
end
return {granted, now, wait}
`;

/** At most `calls` grants in any sliding window of `windowUs` microseconds. */
export interface RateWindow {
  calls: number;
  windowUs: number;
}

/**
 * The window enforced for a calls-per-second cap; null when there is no cap (null, undefined, 0 or Infinity).
 * - cps >= 1: at most floor(cps) calls in any 1-second window (a fractional part such as 2.5 rounds down,
 *   since 3 calls in one second would exceed the cap);
 * - 0 < cps < 1: at most one call in any window of 1/cps seconds (0.5 → one call per 2 s).
 */
export function rateWindow(callsPerSecond: number | null | undefined): RateWindow | null {
  if (callsPerSecond === null || callsPerSecond === undefined || callsPerSecond === 0 || callsPerSecond === Infinity) return null;
  if (!(callsPerSecond > 0) || !Number.isFinite(callsPerSecond)) {
    throw new RangeError(`callsPerSecond must be a positive number or null, got ${callsPerSecond}`);
  }
  return callsPerSecond >= 1
    ? { calls: Math.floor(callsPerSecond), windowUs: 1_000_000 }
    : { calls: 1, windowUs: Math.ceil(1_000_000 / callsPerSecond) };
}

interface Waiter {
  resolve(grantedAtUs: number): void;
  reject(error: Error): void;
}

/** This process's queue of acquires for one organization, served in order by one pump. */
interface OrganizationQueue {
  window: RateWindow | null;
  waiters: Waiter[];
  pumping: boolean;
  /** Set while the pump sleeps until the next grant may be possible; calling it ends the sleep early. */
  wake?: () => void;
}

/**
 * Paces dials to each organization's calls-per-second cap, exactly and across every worker process.
 *
 * Algorithm: a sliding-window log in Redis (one sorted set of grant times per organization, checked and
 * appended by one Lua script on Redis's clock). A token bucket of capacity c admits up to ~2c calls into some
 * 1-second window (a full bucket plus its refill); a bucket of capacity 1 is exact but stricter than the cap.
 * The log admits exactly floor(cps) calls into every sliding 1-second window, no more, and lets a
 * waiting call through the moment the oldest grant leaves the window. Its cost is one sorted-set entry per
 * call of the last second, which is small at carrier rates (single digits to hundreds per second).
 * Grants are bursty within that rule (5 cps with a backlog gives 5 calls at once every second), which the
 * carriers' own per-second caps accept.
 *
 * In each process, acquires for one organization wait in a FIFO queue served by one pump, so only one script
 * call per organization per process is in flight; when the window is full the pump sleeps (setTimeout) for
 * the wait the script computed, instead of polling. Across processes, whoever's script reaches Redis first
 * after a grant leaves the window wins it; each script call grants at most one call, so processes interleave.
 */
@Injectable()
export class CallRateLimiter implements OnModuleDestroy {
  private readonly queues = new Map<string, OrganizationQueue>();
  private readonly instanceId = randomUUID();
  private sequence = 0;
  private closed = false;

  constructor(private readonly redis: RedisService) {
    redis.client.defineCommand('callRateAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  }

  private logKey(organizationId: string) {
    return this.redis.key('rate', organizationId, 'grants');
  }

  /**
   * Waits until one more call may be dialed for the organization under `callsPerSecond` (null/0 = no cap),
   * then records it. Resolves when granted. Never grants more than the cap in any sliding 1-second window
   * (for cps < 1: more than one call per 1/cps seconds), across processes. Acquires of one organization in
   * one process are granted in call order; the latest `callsPerSecond` given applies to all of them.
   * Rejects when the service shuts down, when Redis fails, and for a negative or NaN cap.
   */
  async acquire(organizationId: string, callsPerSecond: number | null): Promise<void> {
    await this.acquireTimed(organizationId, callsPerSecond);
  }

  /**
   * acquire, resolving with the grant time in microseconds since the epoch on Redis's clock (the time recorded
   * in the grant log; on this process's clock when there is no cap), for tests and metrics.
   */
  acquireTimed(organizationId: string, callsPerSecond: number | null): Promise<number> {
    if (this.closed) return Promise.reject(new Error('CallRateLimiter has shut down'));
    let window: RateWindow | null;
    try {
      window = rateWindow(callsPerSecond);
    } catch (error) {
      return Promise.reject(error);
    }
    let queue = this.queues.get(organizationId);
    if (queue && !sameWindow(queue.window, window)) {
      queue.window = window;
      queue.wake?.(); // a changed cap applies to the calls already waiting, at once
    }
    if (!window) return Promise.resolve(Date.now() * 1000);
    if (!queue) {
      queue = { window, waiters: [], pumping: false };
      this.queues.set(organizationId, queue);
    }
    const promise = new Promise<number>((resolve, reject) => queue.waiters.push({ resolve, reject }));
    if (!queue.pumping) void this.pump(organizationId, queue);
    return promise;
  }

  private async pump(organizationId: string, queue: OrganizationQueue): Promise<void> {
    queue.pumping = true;
    try {
      while (queue.waiters.length > 0 && !this.closed) {
        const window = queue.window;
        if (!window) {
          const now = Date.now() * 1000;
          queue.waiters.splice(0).forEach((waiter) => waiter.resolve(now));
          break;
        }
        let granted: number, at: number, waitUs: number;
        try {
          [granted, at, waitUs] = await (this.redis.client as any).callRateAcquire(
            this.logKey(organizationId),
            window.calls,
            window.windowUs,
            `${this.instanceId}:${++this.sequence}`,
          );
        } catch (error) {
          // Without Redis no grant can be proven safe: fail every waiting call rather than exceed the cap.
          queue.waiters.splice(0).forEach((waiter) => waiter.reject(error as Error));
          break;
        }
        // A waiter may be gone (rejected at shutdown); the grant is then unused, which only slows others.
        if (granted === 1) queue.waiters.shift()?.resolve(at);
        if (waitUs > 0 && queue.waiters.length > 0 && !this.closed) await this.sleep(queue, Math.ceil(waitUs / 1000));
      }
    } finally {
      queue.pumping = false;
      if (queue.waiters.length === 0 && this.queues.get(organizationId) === queue) this.queues.delete(organizationId);
    }
  }

  private sleep(queue: OrganizationQueue, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => queue.wake?.(), ms);
      queue.wake = () => {
        clearTimeout(timer);
        queue.wake = undefined;
        resolve();
      };
    });
  }

  /** Rejects every waiting acquire (and any later one), so the application can close. */
  onModuleDestroy(): void {
    this.closed = true;
    const error = new Error('CallRateLimiter has shut down');
    for (const queue of this.queues.values()) {
      queue.waiters.splice(0).forEach((waiter) => waiter.reject(error));
      queue.wake?.();
    }
    this.queues.clear();
  }
}

function sameWindow(a: RateWindow | null, b: RateWindow | null): boolean {
  return a === b || (a !== null && b !== null && a.calls === b.calls && a.windowUs === b.windowUs);
}
