import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { PrivateRedis, startPrivateRedis } from '../src/local-infra/private-redis';
import { concurrencyCounterKeys } from '../src/voice/simulator/simulator-concurrency-counter';
import { intervalsOf, maxConcurrency } from './support/call-timeline';
import { until } from './support/polling';
import { CampaignApi, createOrganizationWithCli, sampleSum, scrape, ServiceProcess, ServiceProcesses, serviceProcessEnv, StatusDetail } from './support/processes';
import { createTestDatabase, TEST_REDIS_URL, TestDatabase } from './support/test-environment';

/**
 * Items 1-3 of issue 7 with real OS processes of the built service (dist/main.js): 1 API process and 3
 * workers on one fresh PostgreSQL database and one private redis-server, the simulator as the voice
 * platform. The simulator's own witness (SIMULATOR_CONCURRENCY_KEY) counts live calls and dials per
 * number across the workers, in the shared test Redis, which the service does not use: it survives the
 * FLUSHALL of the service's Redis, and knows nothing of slot leases or of the calls table.
 */
const LIMIT = 50;
const LEASE_TTL_MS = 3000;
const RECONCILE_INTERVAL_MS = 500;
const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
const caller = '+6582674904';
// About 170 ms a call: 50 ms of ringing, then 12 characters at 10 ms (SIMULATOR_SPEED=10).
const SIMULATOR_SCRIPT = { msPerChar: 100, default: { ringMs: 500 } };
const SIMULATOR_SPEED = '10';
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };

function destinations(n: number, prefix: number) {
  return Array.from({ length: n }, (_, i) => ({ phone: `+${prefix * 1_000_000 + i}`, caller, properties: { name: `P${String(i).padStart(5, '0')}` } }));
}

/** Every call of these campaigns is dialed and ends. */
type Detail = StatusDetail & { dialedAt: string; endedAt: string };

jest.setTimeout(120_000);

describe('1 API + 3 worker processes on one PostgreSQL and one Redis', () => {
  const processes = new ServiceProcesses();
  const witnessKey = `robocall-test-simulator-${randomBytes(4).toString('hex')}`;
  const keys = concurrencyCounterKeys(witnessKey);
  const queuePrefix = `robocall-test-${randomBytes(4).toString('hex')}`;
  const scriptDir = mkdtempSync(join(tmpdir(), 'robocall-resilience-'));
  let database: TestDatabase;
  let redis: PrivateRedis;
  let serviceRedis: Redis;
  let witness: Redis;
  let api: ServiceProcess;
  let workers: ServiceProcess[];
  let org: { id: string; apiKey: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis(() => undefined);
    serviceRedis = new Redis(redis.url);
    witness = new Redis(TEST_REDIS_URL);
    writeFileSync(join(scriptDir, 'script.json'), JSON.stringify(SIMULATOR_SCRIPT));
    const env = {
      ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix }),
      SIMULATOR_SCRIPT: join(scriptDir, 'script.json'),
      SIMULATOR_SPEED,
      SIMULATOR_CONCURRENCY_KEY: witnessKey,
      SIMULATOR_CONCURRENCY_REDIS_URL: TEST_REDIS_URL,
      SLOT_LEASE_TTL_MS: String(LEASE_TTL_MS),
      RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
      LOG_LEVEL: 'warn',
    };
    // The API process migrates the database first; the CLI and the workers find it ready.
    api = await processes.start({ name: 'api', role: 'api', env, metricsToken: METRICS_TOKEN });
    workers = await Promise.all([1, 2, 3].map((i) => processes.start({ name: `worker-${i}`, role: 'worker', env, metricsToken: METRICS_TOKEN })));
    org = await createOrganizationWithCli({ DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: queuePrefix }, 'Resilience', LIMIT);
    campaigns = new CampaignApi(api, org.apiKey, processes);
  }, 120_000);

  afterAll(async () => {
    await processes.stopAll();
    await witness?.del(...Object.values(keys)).catch(() => undefined);
    witness?.disconnect();
    serviceRedis?.disconnect();
    await redis?.stop();
    await database?.drop();
    rmSync(scriptDir, { recursive: true, force: true });
  });

  let campaigns: CampaignApi;
  const http = (path: string, init?: RequestInit) => campaigns.fetch(path, init);
  const waitFor: CampaignApi['waitFor'] = (...args) => campaigns.waitFor(...args);
  const details = (requestId: string, total: number) => campaigns.details<Detail>(requestId, total);

  async function submit(requestId: string, n: number, prefix: number): Promise<void> {
    const response = await http('/call', { method: 'POST', body: JSON.stringify({ requestId, destinations: destinations(n, prefix), callFlow: flow }) });
    expect(response.status).toBe(200);
  }

  /** The witness's view: most calls live at once, and dials per number. */
  async function witnessed(): Promise<{ max: number; dials: Map<string, number>; order: string[] }> {
    const [max, dials, order] = await Promise.all([witness.get(keys.max), witness.hgetall(keys.dials), witness.lrange(keys.order, 0, -1)]);
    return { max: Number(max ?? 0), dials: new Map(Object.entries(dials).map(([phone, n]) => [phone, Number(n)])), order };
  }

  async function resetWitness(): Promise<void> {
    await witness.del(keys.max, keys.dials, keys.order);
  }

  /** Largest distance between a call's place in submission order and its place in dial order (ties in dialedAt: the nearest place). */
  function fifoDisplacement(calls: Detail[]): number {
    const times = calls.map((c) => Date.parse(c.dialedAt));
    const sorted = [...times].sort((a, b) => a - b);
    const firstAt = (t: number) => lowerBound(sorted, t);
    const lastAt = (t: number) => lowerBound(sorted, t + 1) - 1;
    return Math.max(...times.map((t, i) => (i < firstAt(t) ? firstAt(t) - i : i > lastAt(t) ? i - lastAt(t) : 0)));
  }

  it('scale-out: 5,000 calls at limit 50 over 3 workers, never above the limit, each dialed once, FIFO within ±limit', async () => {
    await resetWitness();
    const requestId = 'scale-out';
    const total = 5000;
    await submit(requestId, total, 6591);
    const done = await waitFor(requestId, (s) => s.status === 'completed', 90_000);
    expect(done.summary).toMatchObject({ total, ended: total, answered: total, queued: 0, inProgress: 0 });

    const calls = await details(requestId, total);
    expect(calls).toHaveLength(total);
    expect(new Set(calls.map((c) => c.destination)).size).toBe(total);
    expect(calls.every((c) => c.call_state === 'ended' && c.call_status === 'answered' && c.attempts === 1)).toBe(true);

    const peak = maxConcurrency(intervalsOf(calls));
    const seen = await witnessed();
    const displacement = fifoDisplacement(calls);
    console.log(`scale-out: peak concurrency ${peak} (dialedAt/endedAt), ${seen.max} (simulator witness); FIFO displacement ${displacement}`);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(peak).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(LIMIT);
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.dials.size).toBe(total);
    expect([...seen.dials.values()].every((n) => n === 1)).toBe(true);
    expect(seen.order).toHaveLength(total);
    expect(displacement).toBeLessThanOrEqual(LIMIT);

    // Each worker's own counter (METRICS_PORT): all three dialed, 5,000 dials in all.
    const perWorker = await Promise.all(workers.map(async (w) => sampleSum(await scrape(w.metricsUrl, METRICS_TOKEN), 'robocall_dials_total', { organization: org.id })));
    console.log(`scale-out: dials per worker ${perWorker.join(', ')}`);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(total);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    // The API process's cluster gauges: the limit, an empty backlog, every slot back.
    const cluster = await until('every slot back', async () => {
      const samples = await scrape(api.metricsUrl, METRICS_TOKEN);
      return sampleSum(samples, 'robocall_slots_in_use', { organization: org.id }) === 0 ? samples : undefined;
    }, 5000);
    expect(sampleSum(cluster, 'robocall_slot_limit', { organization: org.id })).toBe(LIMIT);
    expect(sampleSum(cluster, 'robocall_queued_calls', { organization: org.id })).toBe(0);
  });

  it('a worker killed with SIGKILL mid-campaign: its leases expire within the lease time, the others finish, none dialed twice', async () => {
    await resetWitness();
    const requestId = 'worker-killed';
    const total = 2500;
    await submit(requestId, total, 6592);
    await waitFor(requestId, (s) => s.summary.ended >= 300, 60_000);

    const victim = workers[0];
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const leasesKey = `${queuePrefix}:slots:${org.id}:leases`;
    const atKill = new Map<string, number>();
    const snapshot = await serviceRedis.zrange(leasesKey, 0, -1, 'WITHSCORES');
    for (let i = 0; i < snapshot.length; i += 2) atKill.set(snapshot[i], Number(snapshot[i + 1]));

    // Follow the leases held at the kill until none is held (present with an expiry still ahead) any more.
    // A live worker's call lasts ~170 ms and gives its lease back when it ends; the dead worker's leases
    // only stop counting when they expire.
    const renewed = new Set<string>();
    let stillHeldAt1500ms = 0;
    let lastHeldAt = killedAt;
    for (;;) {
      const now = Date.now();
      const scores = atKill.size > 0 ? await serviceRedis.zmscore(leasesKey, ...atKill.keys()) : [];
      const held = [...atKill.keys()].filter((id, i) => {
        const score = scores[i];
        if (score === null) return false;
        if (Number(score) !== atKill.get(id)) renewed.add(id);
        return Number(score) > now;
      });
      if (now - killedAt >= 1500 && stillHeldAt1500ms === 0) stillHeldAt1500ms = held.filter((id) => !renewed.has(id)).length;
      if (held.length === 0) break;
      lastHeldAt = now;
      if (now - killedAt > LEASE_TTL_MS + 5000) throw new Error(`leases still held ${now - killedAt} ms after the kill: ${held.length}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const returnedAfterMs = lastHeldAt - killedAt;

    const done = await waitFor(requestId, (s) => s.status === 'completed', 90_000);
    expect(done.summary).toMatchObject({ total, ended: total, queued: 0, inProgress: 0 });
    const calls = await details(requestId, total);
    const lost = calls.filter((c) => c.call_status === 'failed');
    const seen = await witnessed();
    const kept = calls.filter((c) => c.call_status !== 'failed');
    const peak = maxConcurrency(intervalsOf(kept));
    console.log(
      `worker killed: ${atKill.size} leases at the kill, ${stillHeldAt1500ms} of them (the dead worker's) still held 1.5 s later, ` +
        `all returned ${returnedAfterMs} ms after the kill (lease TTL ${LEASE_TTL_MS} ms); ${lost.length} calls lost; ` +
        `peak concurrency ${peak} (dialedAt/endedAt, lost calls left out), ${seen.max} (simulator witness)`,
    );

    expect(stillHeldAt1500ms).toBeGreaterThan(0);
    expect(returnedAfterMs).toBeLessThanOrEqual(LEASE_TTL_MS + 1000);
    expect(calls.every((c) => c.call_state === 'ended' && c.attempts === 1)).toBe(true);
    // Calls in flight in the dead worker are recorded as lost (failed), never dialed again; all others answered.
    expect(lost.every((c) => /lost/.test(c.failureReason ?? ''))).toBe(true);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.length).toBeLessThanOrEqual(LIMIT);
    expect(kept.every((c) => c.call_status === 'answered')).toBe(true);
    expect([...seen.dials.values()].every((n) => n === 1)).toBe(true);
    // Every answered call was dialed on the network once; a lost call at most once (its dial may have started in the dead worker but not reached the network).
    expect(kept.every((c) => seen.dials.get(c.destination) === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(seen.max).toBeLessThanOrEqual(LIMIT);
    // No slot leaked: once the campaign is over, no lease is live.
    await until('every slot back', async () => ((await serviceRedis.zcount(leasesKey, `(${Date.now()}`, '+inf')) === 0 ? true : undefined), 5000);
    workers = workers.slice(1);
  });

  it('Redis emptied (FLUSHALL) mid-campaign: rebuilt from PostgreSQL, each destination dialed exactly once, the limit holds', async () => {
    await resetWitness();
    const requestId = 'redis-flushed';
    const total = 2500;
    await submit(requestId, total, 6593);
    const before = await waitFor(requestId, (s) => s.summary.ended >= 300, 60_000);
    await serviceRedis.flushall();
    expect(await serviceRedis.dbsize()).toBeLessThan(10);
    expect(before.summary.ended).toBeLessThan(total);

    const done = await waitFor(requestId, (s) => s.status === 'completed', 90_000);
    expect(done.summary).toMatchObject({ total, ended: total, answered: total, queued: 0, inProgress: 0 });
    const calls = await details(requestId, total);
    const seen = await witnessed();
    const peak = maxConcurrency(intervalsOf(calls));
    console.log(`redis flushed: peak concurrency ${peak} (dialedAt/endedAt), ${seen.max} (simulator witness)`);
    expect(calls.every((c) => c.call_state === 'ended' && c.call_status === 'answered' && c.attempts === 1)).toBe(true);
    expect(seen.dials.size).toBe(total);
    expect([...seen.dials.values()].every((n) => n === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(seen.max).toBeLessThanOrEqual(LIMIT);
  });
});

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
