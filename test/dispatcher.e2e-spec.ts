import { DataSource } from 'typeorm';
import { createWorkerContext } from '../src/app.factory';
import { getQueueToken } from '@nestjs/bull';
import { Queue } from 'bull';
import { DialService } from '../src/dispatcher/dial.service';
import { DispatcherService } from '../src/dispatcher/dispatcher.service';
import { DIAL_QUEUE } from '../src/dispatcher/queue.constants';
import { SlotLeasesService } from '../src/dispatcher/slot-leases.service';
import { RedisService } from '../src/redis/redis.service';
import { VoiceProvider } from '../src/voice/voice-provider';
import { intervalsOf, maxConcurrency } from './support/call-timeline';
import { startTestApp, TestApp } from './support/test-app';

const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}, this is a reminder.' } }] };

function destinations(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({ phone: `+${prefix}${String(i).padStart(6, '0')}`, caller: '+6582674904', properties: { name: `P${i}` } }));
}

describe('the dispatcher', () => {
  let t: TestApp;

  beforeAll(async () => {
    // About 40 ms per call at 100x: ring 2 s + ~36 characters at 60 ms.
    t = await startTestApp({ simulatorScript: { default: { ringMs: 2000 } }, simulatorSpeed: 100 });
  });
  afterAll(() => t.close());

  it('never exceeds limit minus the other apps\' calls, and uses every free slot', async () => {
    const { apiKey } = await t.createOrganization(4);
    const usage = await t.http.put('/organization/usage').set('x-credential-api-key', apiKey).send({ externalOngoingCalls: 1 });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ limit: 4, externalOngoingCalls: 1, free: 3 });

    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'limit', destinations: destinations(30, '6510'), callFlow: flow }).expect(200);
    const done = await t.waitForStatus(apiKey, 'limit');
    expect(done.summary).toMatchObject({ total: 30, ended: 30, answered: 30 });
    expect(maxConcurrency(intervalsOf(done.details))).toBe(3);
  });

  it("stores the simulator's call ends to the microsecond, as dialed_at is (refill latencies are not skewed by a truncated millisecond)", async () => {
    const { apiKey } = await t.createOrganization(4);
    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'micros', destinations: destinations(20, '6511'), callFlow: flow }).expect(200);
    await t.waitForStatus(apiKey, 'micros');
    const rows: { dialed: number; ended: number }[] = await t.app.get(DataSource).query(
      `SELECT extract(microseconds FROM c.dialed_at)::int % 1000 AS dialed, extract(microseconds FROM c.ended_at)::int % 1000 AS ended
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = 'micros'`,
    );
    expect(rows).toHaveLength(20);
    // Whole milliseconds would leave 0 below the millisecond in every row; by chance, 1 in 1000 per row.
    expect(rows.filter((r) => r.ended !== 0).length).toBeGreaterThanOrEqual(18);
    expect(rows.filter((r) => r.dialed !== 0).length).toBeGreaterThanOrEqual(18);
  });

  it('with queueing "fifo", releases calls FIFO across the campaigns of one organization', async () => {
    const { apiKey } = await t.createOrganization(1);
    await t.http.put('/organization/settings').set('x-credential-api-key', apiKey).send({ queueing: 'fifo' }).expect(200);
    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'fifo-a', destinations: destinations(4, '6520'), callFlow: flow }).expect(200);
    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'fifo-b', destinations: destinations(4, '6530'), callFlow: flow }).expect(200);
    const a = await t.waitForStatus(apiKey, 'fifo-a');
    const b = await t.waitForStatus(apiKey, 'fifo-b');
    const order = [...a.details, ...b.details].sort((x, y) => Date.parse(x.dialedAt) - Date.parse(y.dialedAt)).map((d) => d.destination);
    expect(order).toEqual([...a.details, ...b.details].map((d) => d.destination));
    expect(maxConcurrency(intervalsOf([...a.details, ...b.details]))).toBe(1);
  });

  it('holds calls while other apps use every slot, and releases them when they report fewer', async () => {
    const { id, apiKey } = await t.createOrganization(2);
    await t.http.put('/organization/usage').set('x-credential-api-key', apiKey).send({ externalOngoingCalls: 2 }).expect(200);
    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'held', destinations: destinations(3, '6540'), callFlow: flow }).expect(200);

    const dispatcher = t.app.get(DispatcherService);
    dispatcher.wake(id);
    await dispatcher.idle();
    const held = await t.http.get('/status/held').set('x-credential-api-key', apiKey).expect(200);
    expect(held.body.status).toBe('submitted');
    expect(held.body.summary.queued).toBe(3);
    expect((await t.http.get('/organization/usage').set('x-credential-api-key', apiKey)).body).toMatchObject({ free: 0, queuedCalls: 3 });

    await t.http.put('/organization/usage').set('x-credential-api-key', apiKey).send({ externalOngoingCalls: 1 }).expect(200);
    const done = await t.waitForStatus(apiKey, 'held');
    expect(maxConcurrency(intervalsOf(done.details))).toBe(1);
  });

  it('dials its claimed calls in its own process, and hands them to bull when it has no room for more dials', async () => {
    /** Dial jobs this app's bull worker has run from now on. */
    const countJobs = (app: TestApp) => {
      const counted = { jobs: 0 };
      app.app.get<Queue>(getQueueToken(DIAL_QUEUE)).on('completed', () => counted.jobs++);
      return counted;
    };
    const here = countJobs(t);
    const { apiKey } = await t.createOrganization(3);
    await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'local-dials', destinations: destinations(9, '6545'), callFlow: flow }).expect(200);
    expect((await t.waitForStatus(apiKey, 'local-dials')).summary).toMatchObject({ total: 9, answered: 9 });
    expect(here.jobs).toBe(0);

    const full = await startTestApp({ simulatorScript: { default: { ringMs: 2000 } }, simulatorSpeed: 100, config: { dialConcurrency: 0 } });
    try {
      const there = countJobs(full);
      const other = await full.createOrganization(3);
      await full.http.post('/call').set('x-credential-api-key', other.apiKey).send({ requestId: 'bull-dials', destinations: destinations(9, '6546'), callFlow: flow }).expect(200);
      const done = await full.waitForStatus(other.apiKey, 'bull-dials');
      expect(done.summary).toMatchObject({ total: 9, answered: 9 });
      expect(there.jobs).toBe(9);
      expect(maxConcurrency(intervalsOf(done.details))).toBeLessThanOrEqual(3);
    } finally {
      await full.close();
    }
  });

  it('shares one limit exactly between two worker processes', async () => {
    const second = await startTestApp({ join: t, simulatorScript: { default: { ringMs: 2000 } }, simulatorSpeed: 100 });
    try {
      const dialsHere = jest.spyOn(t.app.get(VoiceProvider), 'dial');
      const dialsThere = jest.spyOn(second.app.get(VoiceProvider), 'dial');
      const { apiKey } = await t.createOrganization(5);
      await t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'two-workers', destinations: destinations(60, '6550'), callFlow: flow }).expect(200);
      const done = await t.waitForStatus(apiKey, 'two-workers');
      expect(done.summary).toMatchObject({ total: 60, ended: 60 });
      expect(maxConcurrency(intervalsOf(done.details))).toBe(5);
      // Both processes dialed, and no destination was dialed twice.
      expect(dialsHere.mock.calls.length).toBeGreaterThan(0);
      expect(dialsThere.mock.calls.length).toBeGreaterThan(0);
      expect(dialsHere.mock.calls.length + dialsThere.mock.calls.length).toBe(60);
    } finally {
      await second.close();
    }
  });

  it('finishes a campaign when Redis is emptied in the middle of it, rebuilding from PostgreSQL', async () => {
    // About 200 ms per call, and short leases so that lost dial jobs are recovered quickly.
    const app = await startTestApp({ simulatorScript: { default: { ringMs: 20000 } }, config: { slotLeaseTtlMs: 1000, reconcileIntervalMs: 200 } });
    try {
      const { apiKey } = await app.createOrganization(3);
      await app.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'flushed', destinations: destinations(30, '6580'), callFlow: flow }).expect(200);
      await app.waitForStatus(apiKey, 'flushed', 'onProgress');
      const redis = app.app.get(RedisService).client;
      const keys = await redis.keys(`${app.config.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      const midway = (await app.http.get('/status/flushed').set('x-credential-api-key', apiKey)).body;
      expect(midway.summary.ended).toBeLessThan(30);

      const done = await app.waitForStatus(apiKey, 'flushed', 'completed', 45_000);
      expect(done.summary).toMatchObject({ total: 30, ended: 30 });
      expect(done.details.every((d: any) => d.attempts === 1)).toBe(true);
      expect(maxConcurrency(intervalsOf(done.details))).toBeLessThanOrEqual(3);
    } finally {
      await app.close();
    }
  });

  describe('when a worker dies', () => {
    // No worker runs here: the test plays the dead worker's part by hand, then starts a real worker.
    let api: TestApp;
    beforeEach(async () => {
      api = await startTestApp({ config: { role: 'api', slotLeaseTtlMs: 1000 } });
    });
    afterEach(() => api.close());

    /** Claims the organization's only call as a worker would, with a lease nobody will renew. */
    async function claimByHand(organizationId: string, dialStarted: boolean): Promise<string> {
      const slots = api.app.get(SlotLeasesService);
      await slots.setLimits(organizationId, { limit: 1, external: 0 });
      const [leaseId] = (await slots.acquire(organizationId, 1))!.leases;
      await api.app.get(DataSource).query(
        `WITH c AS (
           UPDATE calls SET call_state = $2, status = 'onProgress', dialed_at = now(), attempts = 1, lease_id = $3,
             dial_started_at = CASE WHEN $4 THEN now() END, provider_call_id = CASE WHEN $4 THEN 'sim-gone' END
           WHERE organization_id = $1 RETURNING call_request_id)
         UPDATE call_requests SET dialed_calls = 1, status = 'onProgress' WHERE id = (SELECT call_request_id FROM c)`,
        [organizationId, dialStarted ? 'ongoing' : 'dialing', leaseId, dialStarted],
      );
      return leaseId;
    }

    async function startWorker() {
      const worker = await createWorkerContext({ ...api.config, role: 'worker', slotLeaseTtlMs: 1000, reconcileIntervalMs: 200 });
      await worker.init();
      return worker;
    }

    it('a call it was running is marked failed once its lease expires, and the slot comes back', async () => {
      const { id, apiKey } = await api.createOrganization(1);
      await api.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'orphan', destinations: destinations(1, '6560'), callFlow: flow }).expect(200);
      const leaseId = await claimByHand(id, true);
      const worker = await startWorker();
      try {
        const done = await api.waitForStatus(apiKey, 'orphan', 'completed', 15_000);
        expect(done.details[0]).toMatchObject({ call_status: 'failed', failureReason: expect.stringContaining('lost'), attempts: 1 });
        expect(await api.app.get(SlotLeasesService).isHeld(id, leaseId)).toBe(false);
        const usage = await api.http.get('/organization/usage').set('x-credential-api-key', apiKey).expect(200);
        expect(usage.body).toMatchObject({ ongoingCalls: 0, free: 1 });
      } finally {
        await worker.close();
      }
    });

    it('a dial job older than its lease dials only if the lease is still held', async () => {
      const { id, apiKey } = await api.createOrganization(1);
      await api.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'stale-job', destinations: destinations(1, '6590'), callFlow: flow }).expect(200);
      const leaseId = await claimByHand(id, false);
      const [{ id: callId }] = await api.app.get(DataSource).query(`SELECT id FROM calls WHERE organization_id = $1`, [id]);
      const worker = await createWorkerContext({ ...api.config, role: 'worker', slotLeaseTtlMs: 60_000, reconcileIntervalMs: 60_000 });
      await worker.init();
      try {
        const dials = jest.spyOn(worker.get(VoiceProvider), 'dial');
        const slots = api.app.get(SlotLeasesService);
        await slots.release(id, [leaseId]);
        await worker.get(DialService).dial({ callId, organizationId: id, leaseId, leasedAt: 0 });
        expect(dials).not.toHaveBeenCalled();
        const [call] = await api.app.get(DataSource).query(`SELECT call_state, dial_started_at FROM calls WHERE id = $1`, [callId]);
        expect(call).toEqual({ call_state: 'dialing', dial_started_at: null });

        await slots.renew(id, [leaseId]);
        await worker.get(DialService).dial({ callId, organizationId: id, leaseId, leasedAt: 0 });
        expect(dials).toHaveBeenCalledTimes(1);
      } finally {
        await worker.close();
      }
    });

    it('a call it claimed but never dialed goes back to the queue and is dialed once', async () => {
      const { id, apiKey } = await api.createOrganization(1);
      await api.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId: 'unsent', destinations: destinations(1, '6570'), callFlow: flow }).expect(200);
      await claimByHand(id, false);
      const worker = await startWorker();
      const dials = jest.spyOn(worker.get(VoiceProvider), 'dial');
      try {
        const done = await api.waitForStatus(apiKey, 'unsent', 'completed', 15_000);
        expect(done.details[0]).toMatchObject({ call_status: 'answered', attempts: 1 });
        expect(dials).toHaveBeenCalledTimes(1);
        expect(done.summary).toMatchObject({ total: 1, queued: 0, ended: 1, answered: 1 });
      } finally {
        await worker.close();
      }
    });
  });
});
