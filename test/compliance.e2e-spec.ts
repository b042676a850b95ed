import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { SchedulerService } from '../src/dispatcher/scheduler.service';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const BUSY = '+6593000001';
const OPTS_OUT = '+6593000002';
const SLOW = '+6593000003';

type Raw = Record<string, any>;

const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const campaign = (requestId: string, phones: string[], extra: Raw = {}) => ({
  requestId,
  destinations: phones.map((phone, i) => ({ phone, caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: flow,
  ...extra,
});

describe('do-not-call list, opt-out and retries', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let scheduler: SchedulerService;

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: {
        default: { ringMs: 10 },
        numbers: { [BUSY]: { answer: 'busy' }, [OPTS_OUT]: { digits: ['9'] }, [SLOW]: { ringMs: 600_000 } },
      },
      // The scheduler runs only when a test asks (tick), so each step is deterministic.
      config: { schedulerIntervalMs: 3_600_000 },
    });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    scheduler = t.app.get(SchedulerService);
  }, 30_000);
  afterAll(() => t.close());

  const organization = async (limit = 5) => (await t.createOrganization(limit)).apiKey;
  const post = (key: string, path: string, body?: object) => t.http.post(path).set(KEY, key).send(body);
  const detailOf = async (key: string, requestId: string, phone: string): Promise<Raw> =>
    (await t.http.get(`/status/${requestId}?phone=${encodeURIComponent(phone)}`).set(KEY, key)).body.details[0];

  const untilDetail = (key: string, requestId: string, phone: string, accept: (d: Raw) => boolean) =>
    until(`${phone} in ${requestId}`, async () => {
      const detail = await detailOf(key, requestId, phone);
      return detail && accept(detail) ? detail : undefined;
    });
  async function providerCallIds(requestId: string): Promise<Record<string, string | null>> {
    const rows: { phone: string; provider_call_id: string | null }[] = await db.query(
      `SELECT c.phone, c.provider_call_id FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = $1`,
      [requestId],
    );
    return Object.fromEntries(rows.map((row) => [row.phone, row.provider_call_id]));
  }

  describe('the do-not-call list', () => {
    it('adds numbers normalized to E.164, lists, and removes them, per organization', async () => {
      const key = await organization();
      const added = await post(key, '/organization/dnc', { phones: ['+65 8889 3322', '9123 4567'], defaultRegion: 'SG' });
      expect(added.status).toBe(200);
      expect(added.body).toEqual({ added: 2 });
      expect((await post(key, '/organization/dnc', { phones: ['+6588893322'] })).body).toEqual({ added: 0 });

      const invalid = await post(key, '/organization/dnc', { phones: ['+6588893323', 'call me maybe'] });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors[0].field).toBe('phones[1]');

      const listed = await t.http.get('/organization/dnc').set(KEY, key);
      expect(listed.body.numbers.map((n: Raw) => n.phone).sort()).toEqual(['+6588893322', '+6591234567']);
      expect(listed.body.pagination.total).toBe(2);
      expect((await t.http.get('/organization/dnc').set(KEY, await organization())).body.pagination.total).toBe(0);

      expect((await t.http.delete(`/organization/dnc/${encodeURIComponent('+6588893322')}`).set(KEY, key)).status).toBe(200);
      expect((await t.http.delete(`/organization/dnc/${encodeURIComponent('+6588893322')}`).set(KEY, key)).status).toBe(404);
    });

    it('imports a CSV of numbers, all or nothing', async () => {
      const key = await organization();
      const ok = await t.http.post('/organization/dnc/csv').set(KEY, key).field('defaultRegion', 'SG').attach('file', Buffer.from('Phone Number,name\n8889 3322,A\n+65 9123 4567,B\n'), 'dnc.csv');
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ added: 2 });
      const bad = await t.http.post('/organization/dnc/csv').set(KEY, key).attach('file', Buffer.from('phone\n+6581111111\nnope\n'), 'dnc.csv');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].message).toMatch(/line 3/);
      expect((await t.http.get('/organization/dnc?phone=81111111').set(KEY, key)).body.pagination.total).toBe(0);
    });

    it('suppresses listed destinations at submission: recorded, never dialed', async () => {
      const key = await organization();
      await post(key, '/organization/dnc', { phones: ['+6594000002'] });
      const submitted = await post(key, '/call', campaign('with-dnc', ['+6594000001', '+6594000002', '+6594000003']));
      expect(submitted.status).toBe(200);
      expect(submitted.body.summary.suppressed).toBe(1);
      const done = await t.waitForStatus(key, 'with-dnc');
      expect(done.details.map((d: Raw) => d.status)).toEqual(['completed', 'suppressed', 'completed']);
      expect(done.details[1]).toMatchObject({ call_state: 'ended', failureReason: 'on the do-not-call list', dialedAt: null });
      expect(done.summary).toMatchObject({ total: 3, ended: 3, answered: 2, suppressed: 1 });
      expect((await providerCallIds('with-dnc'))['+6594000002']).toBeNull();
    });

    it('answers a submission with the campaign as stored, as a status read does, whether or not anything is listed', async () => {
      const key = await organization(1);
      // Every slot is another app's: nothing is dialed, so the campaign stays as the submission stored it.
      await t.http.put('/organization/usage').set(KEY, key).send({ externalOngoingCalls: 1 }).expect(200);
      const read = async (requestId: string) => (await t.http.get(`/status/${requestId}`).set(KEY, key).expect(200)).body;
      const nothingListed = await post(key, '/call', campaign('nothing-listed', ['+6594000021', '+6594000022']));
      expect(nothingListed.status).toBe(200);
      expect(nothingListed.body).toEqual(await read('nothing-listed'));
      await post(key, '/organization/dnc', { phones: ['+6594000029', '+6594000024'] });
      const someListed = await post(key, '/call', campaign('some-listed', ['+6594000023', '+6594000024']));
      expect(someListed.body.summary).toMatchObject({ total: 2, suppressed: 1, ended: 1, queued: 1 });
      expect(someListed.body).toEqual(await read('some-listed'));
    });

    it('does not call a number put on the list while its call waits in the queue', async () => {
      const key = await organization(1);
      expect((await post(key, '/call', campaign('mid-campaign', [SLOW, '+6594000011']))).status).toBe(200);
      await untilDetail(key, 'mid-campaign', SLOW, (d) => d.call_state === 'ringing');
      await post(key, '/organization/dnc', { phones: ['+6594000011'] });
      // Free the only slot: the next call is released, and must not be dialed.
      expect((await post(key, `/status/mid-campaign/destinations/${encodeURIComponent(SLOW)}/cancel?hangup=true`)).status).toBe(200);
      const done = await t.waitForStatus(key, 'mid-campaign', 'completed', 15_000);
      expect(done.details[1].status).toBe('suppressed');
      expect((await providerCallIds('mid-campaign'))['+6594000011']).toBeNull();
    });

    it('puts a callee who presses the opt-out key on the list, and later campaigns skip the number', async () => {
      const key = await organization();
      const optOutFlow = {
        steps: [
          {
            name: 'gather',
            message: { msg: 'Press 9 to stop these calls' },
            branches: [{ digit: '9', optOut: true, callFlow: { steps: [{ name: 'play', message: { msg: 'You will not be called again' } }] } }],
          },
        ],
      };
      expect((await post(key, '/call', { ...campaign('opt-out', [OPTS_OUT]), callFlow: optOutFlow })).status).toBe(200);
      await t.waitForStatus(key, 'opt-out');
      const listed = await t.http.get(`/organization/dnc?phone=${encodeURIComponent(OPTS_OUT)}`).set(KEY, key);
      expect(listed.body.numbers).toEqual([expect.objectContaining({ phone: OPTS_OUT, source: 'opt-out' })]);
      const again = await post(key, '/call', campaign('after-opt-out', [OPTS_OUT]));
      expect(again.body.summary.suppressed).toBe(1);
    });

    it('refuses a non-boolean optOut naming its path', async () => {
      const key = await organization();
      const bad = { steps: [{ name: 'gather', message: { msg: 'x' }, branches: [{ digit: '9', optOut: 'yes' }] }] };
      const response = await post(key, '/call', { ...campaign('bad-opt-out', ['+6594000021']), callFlow: bad });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('callFlow.steps[0].branches[0].optOut');
    });
  });

  describe('retries', () => {
    const retry = { busy: { maxAttempts: 3, delaySeconds: 60 }, backoff: 'exponential', jitter: 0 };

    it('retries a busy call at its due time, with backoff, recording each attempt, until attempts run out', async () => {
      const key = await organization();
      expect((await post(key, '/call', campaign('retrying', [BUSY, '+6594000031'], { retry }))).status).toBe(200);

      const first = await untilDetail(key, 'retrying', BUSY, (d) => d.status === 'scheduled');
      expect(first.attemptHistory).toEqual([expect.objectContaining({ attempt: 1, outcome: 'busy' })]);
      const firstDue = Date.parse(first.nextAttemptAt) - clock.now().getTime();
      expect(firstDue).toBeGreaterThan(50_000);
      expect(firstDue).toBeLessThanOrEqual(60_000);
      // Not due yet: nothing happens.
      expect(await scheduler.tick()).toBe(0);

      clock.advance(61_000);
      expect(await scheduler.tick()).toBe(1);
      const second = await untilDetail(key, 'retrying', BUSY, (d) => d.status === 'scheduled' && d.attemptHistory?.length === 2);
      const secondDue = Date.parse(second.nextAttemptAt) - clock.now().getTime();
      expect(secondDue).toBeGreaterThan(110_000); // 60 s doubled
      expect(secondDue).toBeLessThanOrEqual(120_000);

      clock.advance(121_000);
      expect(await scheduler.tick()).toBe(1);
      const done = await t.waitForStatus(key, 'retrying');
      const busy = done.details.find((d: Raw) => d.destination === BUSY);
      expect(busy).toMatchObject({ status: 'completed', call_status: 'busy', attempts: 3 });
      expect(busy.attemptHistory.map((a: Raw) => [a.attempt, a.outcome])).toEqual([[1, 'busy'], [2, 'busy']]);
      expect(done.summary).toMatchObject({ total: 2, ended: 2, busy: 1, answered: 1 });
    });

    it('does not retry without a policy, nor outcomes the policy leaves out', async () => {
      const key = await organization();
      expect((await post(key, '/call', campaign('no-retry', [BUSY]))).status).toBe(200);
      expect((await t.waitForStatus(key, 'no-retry')).details[0]).toMatchObject({ call_status: 'busy', attempts: 1 });
      expect((await post(key, '/call', campaign('answered-only', [BUSY], { retry: { busy: { maxAttempts: 1 } } }))).status).toBe(200);
      expect((await t.waitForStatus(key, 'answered-only')).details[0]).toMatchObject({ call_status: 'busy', attempts: 1 });
    });

    it('a due retry waits while its campaign is paused, and is cancelled with it', async () => {
      const key = await organization();
      expect((await post(key, '/call', campaign('retry-paused', [BUSY], { retry }))).status).toBe(200);
      await untilDetail(key, 'retry-paused', BUSY, (d) => d.status === 'scheduled');
      expect((await post(key, '/status/retry-paused/pause')).status).toBe(200);
      clock.advance(61_000);
      await scheduler.tick();
      const paused = await detailOf(key, 'retry-paused', BUSY);
      expect(paused).toMatchObject({ status: 'queued', call_state: 'paused' });
      expect((await post(key, '/status/retry-paused/cancel')).status).toBe(200);
      const done = await detailOf(key, 'retry-paused', BUSY);
      expect(done).toMatchObject({ status: 'cancelled', call_state: 'ended', attempts: 1 });
    });

    it('a due retry of a number put on the do-not-call list is suppressed', async () => {
      const key = await organization();
      expect((await post(key, '/call', campaign('retry-dnc', [BUSY], { retry }))).status).toBe(200);
      await untilDetail(key, 'retry-dnc', BUSY, (d) => d.status === 'scheduled');
      await post(key, '/organization/dnc', { phones: [BUSY] });
      clock.advance(61_000);
      await scheduler.tick();
      const done = await t.waitForStatus(key, 'retry-dnc');
      expect(done.details[0]).toMatchObject({ status: 'suppressed' });
      expect(done.summary).toMatchObject({ ended: 1, suppressed: 1, busy: 0 });
    });

    it('refuses a bad retry policy naming the field, storing nothing', async () => {
      const key = await organization();
      const response = await post(key, '/call', campaign('bad-retry', [BUSY], { retry: { busy: { maxAttempts: 0 } } }));
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('retry.busy.maxAttempts');
      expect((await t.http.get('/status/bad-retry').set(KEY, key)).status).toBe(404);
    });
  });
});
