import { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '../src/app.factory';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../src/database/typeorm-options';
import { DispatcherService } from '../src/dispatcher/dispatcher.service';
import { createTestDatabase } from './support/test-environment';
import { startTestApp, TestApp } from './support/test-app';

describe('APP_ROLE=api and APP_ROLE=worker as separate processes', () => {
  let api: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    api = await startTestApp({ config: { role: 'api' } });
    worker = await createWorkerContext({ ...api.config, role: 'worker', simulator: { speed: 200 } });
    await worker.init();
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  it('the api role takes campaigns but dials nothing itself; a worker runs them', async () => {
    expect(() => api.app.get(DispatcherService)).toThrow();
    expect(worker.get(DispatcherService)).toBeInstanceOf(DispatcherService);

    const { apiKey } = await api.createOrganization(2);
    const destinations = ['+6591000001', '+6591000002', '+6591000003'].map((phone) => ({ phone, caller: '+6582674904' }));
    await api.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId: 'split', destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'hello' } }] } })
      .expect(200);
    const done = await api.waitForStatus(apiKey, 'split');
    expect(done.summary).toMatchObject({ total: 3, ended: 3, answered: 3 });
  });

  it('several processes starting at once on an empty database take turns to migrate it', async () => {
    const database = await createTestDatabase();
    try {
      const config = { ...api.config, databaseUrl: database.url, role: 'worker' as const };
      const workers = await Promise.all([createWorkerContext(config), createWorkerContext(config), createWorkerContext(config)]);
      const [{ applied }] = await workers[0].get(DataSource).query(`SELECT count(*)::int AS applied FROM migrations`);
      const [{ calls }] = await workers[0].get(DataSource).query(`SELECT count(*)::int AS calls FROM calls`);
      await Promise.all(workers.map((w) => w.close()));
      expect(applied).toBe(MIGRATIONS.length);
      expect(calls).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('GET /health reports PostgreSQL and Redis', async () => {
    const health = await api.http.get('/health').expect(200);
    expect(health.body).toEqual({ status: 'ok', postgres: 'up', redis: 'up' });
  });

  it('serves OpenAPI at /docs with the contract operations', async () => {
    const spec = (await api.http.get('/docs-json').expect(200)).body;
    expect(spec.paths['/call'].post.operationId).toBe('queueUpCall');
    expect(spec.paths['/status/{requestId}'].get.operationId).toBe('checkCallStatus');
    expect((await api.http.get('/docs/')).text).toContain('swagger');
  });
});
