import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdingsOverTime, intervalsOf, maxConcurrency } from './support/call-timeline';
import { CampaignApi, createOrganizationWithCli, ServiceProcesses, serviceProcessEnv } from './support/processes';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, TestDatabase } from './support/test-environment';

/**
 * Issue 18 with real OS processes of the built service (dist/main.js: `npm run build` first): an API process
 * and three workers share one organization's limit of 4 while three campaigns of priorities 3, 6 and 9 wait
 * at once (one startAt). Claims of one organization are serialized across the workers, so: the limit is
 * never exceeded, each call is placed once, and no call of a lower priority is dialed while a higher one
 * has calls waiting.
 */
const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
const CALLER = '+6582674904';
const LIMIT = 4;
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const CAMPAIGNS = [
  { requestId: 'low', priority: 3, prefix: '1415555', n: 12 },
  { requestId: 'mid', priority: 6, prefix: '4420791', n: 12 },
  { requestId: 'high', priority: 9, prefix: '6590000', n: 12 },
];

jest.setTimeout(150_000);

describe('priorities across three worker processes on one limit (real processes)', () => {
  const processes = new ServiceProcesses();
  const redis = createRedisNamespace();
  const scriptDir = mkdtempSync(join(tmpdir(), 'robocall-sharing-'));
  let database: TestDatabase;
  let campaigns: CampaignApi;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Rings of 300–900 ms, different per number, so that calls do not all end together.
    const numbers = Object.fromEntries(
      CAMPAIGNS.flatMap((c) => Array.from({ length: c.n }, (_, i) => [`+${c.prefix}${String(i).padStart(4, '0')}`, { ringMs: 300 + ((i * 211) % 600) }])),
    );
    writeFileSync(join(scriptDir, 'script.json'), JSON.stringify({ msPerChar: 5, numbers }));
    const env = {
      ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, queuePrefix: redis.prefix }),
      SIMULATOR_SCRIPT: join(scriptDir, 'script.json'),
      SIMULATOR_SPEED: '1',
      SCHEDULER_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
    };
    const api = await processes.start({ name: 'api', role: 'api', env, metricsToken: METRICS_TOKEN });
    await Promise.all([1, 2, 3].map((i) => processes.start({ name: `worker-${i}`, role: 'worker', env, metricsToken: METRICS_TOKEN })));
    const org = await createOrganizationWithCli(env, 'Sharing', LIMIT);
    campaigns = new CampaignApi(api, org.apiKey, processes);
  }, 120_000);

  afterAll(async () => {
    await processes.stopAll();
    await redis.clear();
    await database?.drop();
    rmSync(scriptDir, { recursive: true, force: true });
  });

  it('never exceeds the limit, places each call once, and serves the priorities strictly in order', async () => {
    // Submitted with one start a few seconds ahead: all three wait when the scheduler releases them together.
    const startAt = new Date(Date.now() + 4000).toISOString();
    for (const c of CAMPAIGNS) {
      const destinations = Array.from({ length: c.n }, (_, i) => ({ phone: `+${c.prefix}${String(i).padStart(4, '0')}`, caller: CALLER, properties: { name: `N${i}` } }));
      const response = await campaigns.fetch('/call', { method: 'POST', body: JSON.stringify({ requestId: c.requestId, destinations, callFlow: flow, priority: c.priority, startAt }) });
      expect(response.status).toBe(200);
    }
    const done: Record<string, any[]> = {};
    for (const c of CAMPAIGNS) {
      await campaigns.waitFor(c.requestId, (s) => s.status === 'completed', 90_000);
      done[c.requestId] = await campaigns.details(c.requestId, c.n);
    }
    const all = Object.values(done).flat();
    expect(all.every((d) => d.call_status === 'answered' && d.attempts === 1)).toBe(true);
    expect(new Set(all.map((d) => d.monitorData[0].uuid)).size).toBe(all.length);
    expect(maxConcurrency(intervalsOf(all))).toBe(LIMIT);
    expect(Math.min(...all.map((d) => Date.parse(d.dialedAt)))).toBeGreaterThanOrEqual(Date.parse(startAt));

    // A lower priority's call is dialed only once every call of each higher priority has been dialed.
    const dials = (requestId: string) => done[requestId].map((d) => Date.parse(d.dialedAt));
    expect(Math.min(...dials('mid'))).toBeGreaterThanOrEqual(Math.max(...dials('high')));
    expect(Math.min(...dials('low'))).toBeGreaterThanOrEqual(Math.max(...dials('mid')));
    // And the slots were used: while the high campaign had calls waiting, it held all of them but for refills.
    const samples = holdingsOverTime({ high: intervalsOf(done.high) }, Math.max(...dials('high')));
    expect(samples.filter((s) => s.held.high === LIMIT).length).toBeGreaterThan(0);
  });
});
