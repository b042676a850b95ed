import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { MIGRATIONS, typeormOptions } from '../src/database/typeorm-options';
import { ApiKeys1765100000000 } from '../src/migrations/1765100000000-api-keys';
import { hashApiKey } from '../src/organizations/api-keys';
import { until } from './support/polling';
import { fetchWithContractCheck } from './support/contract';
import { createOrganizationWithCli, REPO_ROOT, ServiceProcess, ServiceProcesses, serviceProcessEnv } from './support/processes';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, TestDatabase } from './support/test-environment';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const campaign = (requestId: string) => ({ requestId, destinations: [{ phone: '+14155550100', caller: '+6582674904', properties: { name: 'Ann' } }], callFlow: flow });

describe('API keys: several per organization, named, scoped, revocable', () => {
  let t: TestApp;
  let orgKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ apiKey: orgKey } = await t.createOrganization(2, 'Keys'));
  });
  afterAll(() => t.close());

  const create = (apiKey: string, body: object) => t.http.post('/organization/api-keys').set(KEY, apiKey).send(body);
  const list = async (apiKey: string) => (await t.http.get('/organization/api-keys').set(KEY, apiKey).expect(200)).body.apiKeys;

  it('an organization starts with one write key named "default", marked as the current one', async () => {
    // lastUsedAt is written after the answer (not awaited by the request): null or the time of this request.
    const [key, ...others] = await list(orgKey);
    expect(others).toEqual([]);
    expect(Object.keys(key).sort()).toEqual(['createdAt', 'current', 'id', 'lastUsedAt', 'name', 'revokedAt', 'scope']);
    expect(key).toMatchObject({ id: expect.any(String), name: 'default', scope: 'write', createdAt: expect.any(String), revokedAt: null, current: true });
  });

  it('creates a key shown once (stored as a hash), lists it without the key, and records when it was last used', async () => {
    const created = await create(orgKey, { name: 'reporting', scope: 'read' }).expect(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'reporting', scope: 'read', key: expect.stringMatching(/^rk_[A-Za-z0-9_-]{32}$/), createdAt: expect.any(String), lastUsedAt: null, revokedAt: null, current: false });
    const [{ count }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS count FROM api_keys WHERE key_hash = $1 OR key_hash = $2 OR name = $1`, [created.body.key, created.body.key.slice(3)]);
    expect(count).toBe(0);

    const listed = (await list(orgKey)).find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toEqual({ ...created.body, key: undefined, current: false });
    expect(JSON.stringify(await list(orgKey))).not.toContain(created.body.key);

    await t.http.get('/campaigns').set(KEY, created.body.key).expect(200);
    const used = await until('lastUsedAt', async () => (await list(orgKey)).find((k: { id: string; lastUsedAt: string | null }) => k.id === created.body.id && k.lastUsedAt));
    expect(Date.parse(used.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.createdAt));
    // Seen by the key itself, it is the current one.
    expect((await list(created.body.key)).find((k: { current: boolean }) => k.current).id).toBe(created.body.id);
  });

  it('a read key reads everything of its organization and gets a 403 in the error shape on any write', async () => {
    await t.http.post('/call').set(KEY, orgKey).send(campaign('read-scope')).expect(200);
    const reader = (await create(orgKey, { name: 'dashboard-viewer', scope: 'read' }).expect(201)).body.key;

    expect((await t.http.get('/status/read-scope').set(KEY, reader).expect(200)).body.requestId).toBe('read-scope');
    await t.http.get('/status/read-scope/export.csv').set(KEY, reader).expect(200);
    await t.http.get('/organization/usage').set(KEY, reader).expect(200);
    await t.http.get('/organization/settings').set(KEY, reader).expect(200);

    const writes: [string, Promise<{ status: number; body: unknown }>][] = [
      ['POST /call', t.http.post('/call').set(KEY, reader).send(campaign('by-reader'))],
      ['pause', t.http.post('/status/read-scope/pause').set(KEY, reader)],
      ['DELETE /call', t.http.delete('/call/read-scope').set(KEY, reader)],
      ['PUT usage', t.http.put('/organization/usage').set(KEY, reader).send({ externalOngoingCalls: 1 })],
      ['create key', t.http.post('/organization/api-keys').set(KEY, reader).send({ name: 'escalate', scope: 'write' })],
      ['revoke key', t.http.delete(`/organization/api-keys/${(await list(orgKey))[0].id}`).set(KEY, reader)],
    ];
    for (const [what, sent] of writes) {
      const response = await sent;
      expect({ what, status: response.status }).toEqual({ what, status: 403 });
      expect(response.body).toEqual({ status: 'forbidden', message: expect.stringContaining('"dashboard-viewer" has scope read') });
    }
    // Nothing was changed by the refused writes.
    await t.http.get('/status/by-reader').set(KEY, orgKey).expect(404);
    expect((await list(orgKey)).map((k: { name: string }) => k.name)).not.toContain('escalate');
    expect((await t.http.get('/status/read-scope').set(KEY, orgKey).expect(200)).body.status).not.toBe('paused');
  });

  it('refuses a bad name or scope naming the field, a duplicate active name with a 409, and stores nothing', async () => {
    const before = (await list(orgKey)).length;
    const bad = await create(orgKey, { name: '  ', scope: 'admin', extra: 1 }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'scope']);
    expect((await create(orgKey, { scope: 'read' }).expect(400)).body.errors.map((e: { field: string }) => e.field)).toEqual(['name']);
    expect((await create(orgKey, { name: 'default', scope: 'read' }).expect(409)).body.message).toContain('"default"');
    expect((await list(orgKey)).length).toBe(before);
  });

  it('rotates without downtime: create a new write key, switch to it, revoke the old one (a 401 at once); the last write key cannot be revoked', async () => {
    const { apiKey: first, id: orgId } = await t.createOrganization(1, 'Rotation');
    await t.http.post('/call').set(KEY, first).send(campaign('before-rotation')).expect(200);
    const next = (await create(first, { name: 'v2', scope: 'write' }).expect(201)).body;
    // Both work at once while the integration switches.
    await t.http.get('/status/before-rotation').set(KEY, first).expect(200);
    await t.http.get('/status/before-rotation').set(KEY, next.key).expect(200);

    const old = (await list(next.key)).find((k: { name: string }) => k.name === 'default');
    const revoked = await t.http.delete(`/organization/api-keys/${old.id}`).set(KEY, next.key).expect(200);
    expect(revoked.body).toMatchObject({ id: old.id, name: 'default', revokedAt: expect.any(String), current: false });
    expect((await t.http.get('/status/before-rotation').set(KEY, first).expect(401)).body).toEqual({ status: 'unauthorized', message: expect.stringContaining('revoked') });
    await t.http.get('/status/before-rotation').set(KEY, next.key).expect(200);
    expect((await list(next.key)).map((k: { name: string }) => k.name)).toEqual(['v2']);

    // v2 is now the only write key; a read key does not count.
    await create(next.key, { name: 'reader', scope: 'read' }).expect(201);
    const last = await t.http.delete(`/organization/api-keys/${next.id}`).set(KEY, next.key).expect(409);
    expect(last.body.message).toContain('last write key');
    await t.http.delete(`/organization/api-keys/${old.id}`).set(KEY, next.key).expect(404);
    await t.http.delete('/organization/api-keys/not-a-uuid').set(KEY, next.key).expect(404);
    // A revoked name can be used again.
    await create(next.key, { name: 'default', scope: 'write' }).expect(201);
    const [{ keys }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS keys FROM api_keys WHERE organization_id = $1`, [orgId]);
    expect(keys).toBe(4);
  });
});

/**
 * Real OS processes of the built service (`npm run build` first): two API processes on one database. A key
 * revoked through one (or with the CLI) is refused by the other from its next request on.
 */
describe('API keys across API processes, and in the CLI', () => {
  const processes = new ServiceProcesses();
  const redis = createRedisNamespace();
  const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
  let database: TestDatabase;
  let env: Record<string, string>;
  let apis: ServiceProcess[];

  jest.setTimeout(120_000);

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, queuePrefix: redis.prefix }), LOG_LEVEL: 'warn' };
    apis = await Promise.all([1, 2].map((i) => processes.start({ name: `api-${i}`, role: 'api', env, metricsToken: METRICS_TOKEN })));
  });
  afterAll(async () => {
    await processes.stopAll();
    await redis.clear();
    await database.drop();
  });

  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist/cli.js'), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: redis.prefix },
    });
    return JSON.parse(stdout);
  };
  const get = (api: ServiceProcess, apiKey: string, path = '/campaigns') => fetchWithContractCheck(`${api.baseUrl}${path}`, { headers: { [KEY]: apiKey } });

  it('a key revoked through one API process is a 401 at the other at once', async () => {
    const org = await createOrganizationWithCli(env, 'Processes', 2);
    const created = await fetchWithContractCheck(`${apis[0].baseUrl}/organization/api-keys`, {
      method: 'POST',
      headers: { [KEY]: org.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crm', scope: 'write' }),
    });
    expect(created.status).toBe(201);
    const crm = (await created.json()) as { id: string; key: string };
    for (const api of apis) expect((await get(api, crm.key)).status).toBe(200);

    const revoked = await fetchWithContractCheck(`${apis[0].baseUrl}/organization/api-keys/${crm.id}`, { method: 'DELETE', headers: { [KEY]: org.apiKey } });
    expect(revoked.status).toBe(200);
    expect((await get(apis[1], crm.key)).status).toBe(401);
    expect((await get(apis[0], crm.key)).status).toBe(401);
    expect((await get(apis[1], org.apiKey)).status).toBe(200);
  });

  it('the CLI creates, lists and revokes keys; a revocation there is seen by every API process at once', async () => {
    const org = await createOrganizationWithCli(env, 'CLI keys', 2);
    const reader = await cli('keys:create', '--org', org.id, '--name', 'bi-export', '--scope', 'read');
    expect(reader).toMatchObject({ name: 'bi-export', scope: 'read', key: expect.stringMatching(/^rk_/) });
    expect((await get(apis[1], reader.key)).status).toBe(200);
    const forbidden = await fetchWithContractCheck(`${apis[1].baseUrl}/call`, { method: 'POST', headers: { [KEY]: reader.key, 'content-type': 'application/json' }, body: JSON.stringify(campaign('cli-read')) });
    expect(forbidden.status).toBe(403);

    const listed = await cli('keys:list', '--org', org.id);
    expect(listed.apiKeys.map((k: { name: string; scope: string }) => `${k.name}:${k.scope}`).sort()).toEqual(['bi-export:read', 'default:write']);
    expect(JSON.stringify(listed)).not.toContain(reader.key);

    expect(await cli('keys:revoke', '--org', org.id, '--key', reader.id)).toMatchObject({ id: reader.id, revokedAt: expect.any(String) });
    for (const api of apis) expect((await get(api, reader.key)).status).toBe(401);
    const defaultKey = listed.apiKeys.find((k: { name: string }) => k.name === 'default');
    await expect(cli('keys:revoke', '--org', org.id, '--key', defaultKey.id)).rejects.toThrow(/last write key/);
    await expect(cli('keys:create', '--org', org.id, '--name', 'x', '--scope', 'admin')).rejects.toThrow(/usage/);
  });
});

describe('the API-keys migration', () => {
  it("makes each organization's one key its write key \"default\", which keeps working; down gives it back", async () => {
    const database = await createTestDatabase();
    const migrate = async (migrations: unknown[], step: (db: DataSource) => Promise<unknown>) => {
      const db = new DataSource({ ...typeormOptions(database.url, 2), migrations: migrations as any });
      await db.initialize();
      try {
        return await step(db);
      } finally {
        await db.destroy();
      }
    };
    try {
      const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(ApiKeys1765100000000));
      const upToKeys = [...before, ApiKeys1765100000000];
      const oldKey = 'rk_created-before-named-keys-000000';
      await migrate(before, async (db) => {
        await db.runMigrations();
        await db.query(`INSERT INTO organizations (name, api_key_hash, max_concurrent_calls) VALUES ('Old', $1, 4)`, [hashApiKey(oldKey)]);
      });
      const keys = await migrate(upToKeys, async (db) => {
        await db.runMigrations();
        return db.query(`SELECT k.name, k.scope, o.name AS organization FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`, [hashApiKey(oldKey)]);
      });
      expect(keys).toEqual([{ name: 'default', scope: 'write', organization: 'Old' }]);
      const restored = await migrate(upToKeys, async (db) => {
        await db.undoLastMigration();
        return db.query(`SELECT name FROM organizations WHERE api_key_hash = $1`, [hashApiKey(oldKey)]);
      });
      expect(restored).toEqual([{ name: 'Old' }]);
    } finally {
      await database.drop();
    }
  });
});
