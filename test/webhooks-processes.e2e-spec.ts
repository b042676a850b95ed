import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { PrivateRedis, startPrivateRedis } from '../src/local-infra/private-redis';
import { CampaignApi, createOrganizationWithCli, ServiceProcess, ServiceProcesses, serviceProcessEnv } from './support/processes';
import { createTestDatabase, TestDatabase } from './support/test-environment';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Status callbacks with real OS processes of the built service (dist/main.js: `npm run build` first): an API
 * process and two workers on a fresh PostgreSQL database and a private redis-server. Mid-campaign, while
 * deliveries are in flight, one worker is killed with SIGKILL and Redis is emptied (FLUSHALL); a third
 * worker joins. A deduplicating receiver still gets every event exactly once per webhook-id, each signature
 * verified with the `standardwebhooks` package.
 */
const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
const CALLER = '+6582674904';
const TOTAL = 150;
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };

jest.setTimeout(150_000);

describe('status callbacks across a worker SIGKILL and a Redis FLUSHALL (real processes)', () => {
  const processes = new ServiceProcesses();
  const queuePrefix = `robocall-test-${randomBytes(4).toString('hex')}`;
  const scriptDir = mkdtempSync(join(tmpdir(), 'robocall-webhooks-'));
  let database: TestDatabase;
  let redis: PrivateRedis;
  let serviceRedis: Redis;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  let workers: ServiceProcess[];
  let campaigns: CampaignApi;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await startPrivateRedis(() => undefined);
    serviceRedis = new Redis(redis.url);
    receiver = await WebhookReceiver.start();
    // Each answer takes 150 ms: deliveries are in flight when the worker is killed.
    receiver.behaviour = () => ({ status: 200, delayMs: 150 });
    writeFileSync(join(scriptDir, 'script.json'), JSON.stringify({ msPerChar: 100, default: { ringMs: 500 } }));
    env = {
      ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix }),
      SIMULATOR_SCRIPT: join(scriptDir, 'script.json'),
      SIMULATOR_SPEED: '10',
      SLOT_LEASE_TTL_MS: '3000',
      RECONCILE_INTERVAL_MS: '500',
      WEBHOOKS_ALLOW_INSECURE: 'true',
      WEBHOOKS_POLL_MS: '100',
      WEBHOOKS_CONCURRENCY: '5',
      WEBHOOKS_TIMEOUT_MS: '2000',
      WEBHOOKS_RETRY_SCHEDULE_MS: '200,400,800,1600,3200',
      LOG_LEVEL: 'warn',
    };
    const api = await processes.start({ name: 'api', role: 'api', env, metricsToken: METRICS_TOKEN });
    workers = await Promise.all([1, 2].map((i) => processes.start({ name: `worker-${i}`, role: 'worker', env, metricsToken: METRICS_TOKEN })));
    const org = await createOrganizationWithCli({ DATABASE_URL: database.url, REDIS_URL: redis.url, QUEUE_PREFIX: queuePrefix }, 'Webhooks', 10);
    campaigns = new CampaignApi(api, org.apiKey, processes);
  }, 120_000);

  afterAll(async () => {
    await processes.stopAll();
    await receiver?.close();
    serviceRedis?.disconnect();
    await redis?.stop();
    await database?.drop();
    rmSync(scriptDir, { recursive: true, force: true });
  });

  it('every event reaches a deduplicating receiver exactly once per id, signed', async () => {
    const created = await campaigns.fetch('/organization/webhook-endpoints', { method: 'POST', body: JSON.stringify({ url: receiver.url }) });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; secret: string };
    const destinations = Array.from({ length: TOTAL }, (_, i) => ({ phone: `+6594${String(i).padStart(6, '0')}`, caller: CALLER, properties: { name: `P${i}` } }));
    const submitted = await campaigns.fetch('/call', { method: 'POST', body: JSON.stringify({ requestId: 'crash', destinations, callFlow: flow }) });
    expect(submitted.status).toBe(200);

    await receiver.waitFor((r) => r.requests.length >= 20, 60_000);
    await workers[0].kill('SIGKILL');
    await serviceRedis.flushall();
    await processes.start({ name: 'worker-3', role: 'worker', env, metricsToken: METRICS_TOKEN });

    await campaigns.waitFor('crash', (s) => s.status === 'completed', 90_000);
    // What the killed worker had sent but not yet recorded stays pending until its claims lapse (the
    // timeout + 30 s); then another worker sends it again, with the same webhook-id.
    const deliveriesUrl = `/organization/webhook-endpoints/${endpoint.id}/deliveries?perPage=1000`;
    let listed: any;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
      listed = await (await campaigns.fetch(deliveriesUrl)).json();
      if (listed.pagination.total === TOTAL + 1 && listed.deliveries.every((d: any) => d.status === 'delivered')) break;
    }
    expect(listed.pagination.total).toBe(TOTAL + 1);
    expect(listed.deliveries.filter((d: any) => d.status !== 'delivered')).toEqual([]);

    for (const request of receiver.requests) expect(WebhookReceiver.verify(request, endpoint.secret)).toEqual(request.json);
    const events = receiver.unique();
    const callIds = events.filter((e) => e.json.type === 'call.completed').map((e) => e.json.data.callId);
    expect(callIds).toHaveLength(TOTAL);
    expect(new Set(callIds).size).toBe(TOTAL);
    expect(events.filter((e) => e.json.type === 'campaign.completed')).toHaveLength(1);
    // A resent event is the same event: same id, same body.
    for (const request of receiver.requests) expect(request.body).toBe(events.find((e) => e.id === request.id)!.body);

    process.stdout.write(`webhooks across SIGKILL + FLUSHALL: ${receiver.requests.length} requests for ${events.length} events (${receiver.requests.length - events.length} resent)\n`);
  });
});
