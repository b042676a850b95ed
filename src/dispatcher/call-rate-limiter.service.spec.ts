import { performance } from 'node:perf_hooks';
import { ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { createRedisNamespace, TEST_REDIS_URL } from '../../test/support/test-environment';
import { CallRateLimiter, rateWindow } from './call-rate-limiter.service';

/** One "worker process": its own Redis connection and its own limiter (own local queues). */
interface Worker {
  redis: RedisService;
  limiter: CallRateLimiter;
  /** Script calls per organization currently in flight, and the most ever seen at once. */
  inFlight: Map<string, number>;
  maxInFlight: number;
  scriptCalls: number;
}

/** The largest number of grants inside any half-open window [t, t + windowUs) (t = a grant time suffices). */
function maxInAnyWindow(grantsUs: number[], windowUs: number): number {
  const sorted = [...grantsUs].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowUs) j++;
    max = Math.max(max, j - i);
  }
  return max;
}

describe('CallRateLimiter (real Redis)', () => {
  const namespace = createRedisNamespace();
  const workers: Worker[] = [];

  function startWorker(): Worker {
    const redis = new RedisService({ redisUrl: TEST_REDIS_URL, queuePrefix: namespace.prefix } as ResolvedConfig);
    const limiter = new CallRateLimiter(redis);
    const worker: Worker = { redis, limiter, inFlight: new Map(), maxInFlight: 0, scriptCalls: 0 };
    const client = redis.client as any;
    const script = client.callRateAcquire.bind(client);
    client.callRateAcquire = async (key: string, ...args: unknown[]) => {
      worker.scriptCalls++;
      const n = (worker.inFlight.get(key) ?? 0) + 1;
      worker.inFlight.set(key, n);
      worker.maxInFlight = Math.max(worker.maxInFlight, n);
      try {
        return await script(key, ...args);
      } finally {
        worker.inFlight.set(key, worker.inFlight.get(key)! - 1);
      }
    };
    workers.push(worker);
    return worker;
  }

  async function stopWorker(worker: Worker) {
    worker.limiter.onModuleDestroy();
    // (a client the test already disconnected is left alone: ioredis's quit on it leaves a 2 s timer behind)
    if (worker.redis.client.status !== 'end') await worker.redis.onApplicationShutdown();
    workers.splice(workers.indexOf(worker), 1);
  }

  async function redisTimeUs(worker: Worker): Promise<number> {
    const [seconds, micros] = await worker.redis.client.time();
    return Number(seconds) * 1_000_000 + Number(micros);
  }

  afterEach(async () => {
    await Promise.all([...workers].map(stopWorker));
  });

  afterAll(async () => {
    await namespace.clear();
  });

  it('maps a cap to its window', () => {
    expect(rateWindow(null)).toBeNull();
    expect(rateWindow(0)).toBeNull();
    expect(rateWindow(5)).toEqual({ calls: 5, windowUs: 1_000_000 });
    expect(rateWindow(2.5)).toEqual({ calls: 2, windowUs: 1_000_000 });
    expect(rateWindow(0.5)).toEqual({ calls: 1, windowUs: 2_000_000 });
    expect(rateWindow(0.3)).toEqual({ calls: 1, windowUs: 3_333_334 });
    expect(() => rateWindow(-1)).toThrow(RangeError);
    expect(() => rateWindow(NaN)).toThrow(RangeError);
  });

  it('never grants more than 5 calls in any sliding second across two processes, at the full rate', async () => {
    const a = startWorker();
    const b = startWorker();
    const startUs = await redisTimeUs(a);
    const localStart = performance.now();
    const grants: { worker: 'a' | 'b'; index: number; atUs: number; localMs: number }[] = [];
    const order: Record<'a' | 'b', number[]> = { a: [], b: [] };
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const name = i % 2 === 0 ? 'a' : 'b';
        const worker = name === 'a' ? a : b;
        return worker.limiter.acquireTimed('org-1', 5).then((atUs) => {
          grants.push({ worker: name, index: i, atUs, localMs: performance.now() - localStart });
          order[name].push(i);
        });
      }),
    );
    const endUs = await redisTimeUs(a);
    const times = grants.map((g) => g.atUs);

    // Exact, on the Redis-side grant times the script recorded:
    expect(maxInAnyWindow(times, 1_000_000)).toBe(5);
    // ...which are genuine: distinct, within the run, and the log's last entries carry the same scores.
    expect(new Set(grants.map((g) => `${g.worker}:${g.index}`)).size).toBe(40);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(startUs);
    expect(Math.max(...times)).toBeLessThanOrEqual(endUs);
    const logged = await a.redis.client.zrange(a.redis.key('rate', 'org-1', 'grants'), 0, -1, 'WITHSCORES');
    const loggedScores = logged.filter((_, i) => i % 2 === 1).map(Number);
    expect(loggedScores.length).toBe(5);
    for (const score of loggedScores) expect(times).toContain(score);

    // Independently, on this process's clock: the resolve times lag the grants by a small, varying delay, so a
    // 6th call inside 1 s on Redis would show as 6 inside (1 s + lag spread); checking 900 ms windows catches
    // bursts (a capacity-5 bucket would let 10 through at once) without failing on lag up to 100 ms.
    expect(maxInAnyWindow(grants.map((g) => g.localMs * 1000), 900_000)).toBeLessThanOrEqual(5);

    // At the full rate: 40 grants with at most 5 per second need 7 s after the first; the limiter adds little.
    const spanMs = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(spanMs).toBeGreaterThanOrEqual(7000);
    expect(spanMs).toBeLessThan(7500);
    // In each process, grants come in call order, with one script call per organization in flight at a time.
    expect(order.a).toEqual([...order.a].sort((x, y) => x - y));
    expect(order.b).toEqual([...order.b].sort((x, y) => x - y));
    expect(a.maxInFlight).toBe(1);
    expect(b.maxInFlight).toBe(1);
    // No hammering: besides the 40 granting calls, a few refusals per second per process.
    expect(a.scriptCalls + b.scriptCalls).toBeLessThan(40 + 2 * 8 * 3);
    const lastA = Math.max(...grants.filter((g) => g.worker === 'a').map((g) => g.atUs));
    const lastB = Math.max(...grants.filter((g) => g.worker === 'b').map((g) => g.atUs));
    console.log(
      `5 cps, 2 processes, 40 calls: span ${spanMs.toFixed(1)} ms, script calls a=${a.scriptCalls} b=${b.scriptCalls}, ` +
        `last grant a=+${((lastA - Math.min(...times)) / 1000).toFixed(0)} ms b=+${((lastB - Math.min(...times)) / 1000).toFixed(0)} ms`,
    );
  });

  it('grants at once, without Redis, when there is no cap', async () => {
    const worker = startWorker();
    const started = performance.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => worker.limiter.acquire('org-free', i % 2 === 0 ? null : 0)));
    expect(performance.now() - started).toBeLessThan(100);
    expect(worker.scriptCalls).toBe(0);
    expect(await worker.redis.client.exists(worker.redis.key('rate', 'org-free', 'grants'))).toBe(0);
  });

  it('paces a fractional cap: 0.5 cps is one call per 2 s; 2.5 cps is 2 calls per second', async () => {
    const a = startWorker();
    const b = startWorker();
    const [half, twoAndHalf] = await Promise.all([
      Promise.all([a.limiter.acquireTimed('org-half', 0.5), b.limiter.acquireTimed('org-half', 0.5)]),
      Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? a : b).limiter.acquireTimed('org-2.5', 2.5))),
    ]);
    const gapUs = Math.abs(half[1] - half[0]);
    expect(gapUs).toBeGreaterThanOrEqual(2_000_000);
    expect(gapUs).toBeLessThan(2_200_000);
    expect(maxInAnyWindow(twoAndHalf, 1_000_000)).toBe(2);
    const span = Math.max(...twoAndHalf) - Math.min(...twoAndHalf);
    expect(span).toBeGreaterThanOrEqual(1_000_000);
    expect(span).toBeLessThan(1_200_000);
  });

  it('keeps organizations independent', async () => {
    const worker = startWorker();
    await worker.limiter.acquire('org-a', 1);
    const started = performance.now();
    const secondA = worker.limiter.acquire('org-a', 1).then(() => performance.now() - started);
    const firstB = await worker.limiter.acquireTimed('org-b', 1);
    expect(performance.now() - started).toBeLessThan(100);
    expect(firstB).toBeGreaterThan(0);
    expect(await secondA).toBeGreaterThan(800);
  });

  it('applies a changed cap to calls already waiting', async () => {
    const worker = startWorker();
    await worker.limiter.acquire('org-change', 0.1); // the next call would wait 10 s
    const started = performance.now();
    const waiting = worker.limiter.acquire('org-change', 0.1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.limiter.acquire('org-change', null); // the cap is lifted: the waiting call goes at once
    await waiting;
    expect(performance.now() - started).toBeLessThan(300);
  });

  it('rejects waiting and later acquires on shutdown, at once', async () => {
    const worker = startWorker();
    await worker.limiter.acquire('org-stop', 1);
    const waiting = Array.from({ length: 3 }, () => worker.limiter.acquire('org-stop', 1));
    const settled = Promise.allSettled(waiting);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    worker.limiter.onModuleDestroy();
    const results = await settled;
    expect(performance.now() - started).toBeLessThan(50);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(worker.limiter.acquire('org-stop', 1)).rejects.toThrow('shut down');
    await expect(worker.limiter.acquire('org-stop', null)).rejects.toThrow('shut down');
  });

  it('fails the waiting calls, rather than granting, when Redis is unreachable', async () => {
    const worker = startWorker();
    await worker.limiter.acquire('org-down', 1);
    worker.redis.client.disconnect();
    await expect(Promise.all([worker.limiter.acquire('org-down', 1), worker.limiter.acquire('org-down', 1)])).rejects.toThrow();
  });

  it('rejects an invalid cap', async () => {
    const worker = startWorker();
    await expect(worker.limiter.acquire('org-bad', -2)).rejects.toThrow(RangeError);
  });
});
