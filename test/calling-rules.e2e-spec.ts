import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createWorkerContext } from '../src/app.factory';
import { Clock } from '../src/common/clock';
import { SchedulerService } from '../src/dispatcher/scheduler.service';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const SINGAPORE = '+6591110001';
const NEW_YORK = '+12125550101';
const SLOW = '+6591119999';

type Raw = Record<string, any>;

const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const campaign = (requestId: string, phones: string[], extra: Raw = {}) => ({
  requestId,
  destinations: phones.map((phone, i) => ({ phone, caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: flow,
  ...extra,
});
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

describe('calling hours, call-rate cap, per-number daily cap', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let scheduler: SchedulerService;

  beforeAll(async () => {
    t = await startTestApp({ simulatorScript: { default: { ringMs: 10 }, numbers: { [SLOW]: { ringMs: 600_000 } } }, config: { schedulerIntervalMs: 3_600_000 } });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    scheduler = t.app.get(SchedulerService);
  }, 30_000);
  afterAll(() => t.close());

  /**
   * Moves the service's clock to `iso` (it only ever moves forward in these tests). The clock starts at
   * the real time, so every date here lies years ahead (2032, 2038), on weekdays checked for those years.
   */
  function setClock(iso: string): void {
    const delta = Date.parse(iso) - clock.now().getTime();
    expect(delta).toBeGreaterThanOrEqual(0);
    clock.advance(delta);
  }
  const organization = async (limit = 10) => (await t.createOrganization(limit)).apiKey;
  const post = (key: string, path: string, body?: object) => t.http.post(path).set(KEY, key).send(body);
  const details = async (key: string, requestId: string): Promise<Raw[]> => (await t.http.get(`/status/${requestId}`).set(KEY, key)).body.details;
  const dialedPhones = async (requestId: string): Promise<string[]> =>
    (
      await db.query(
        `SELECT c.phone FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = $1 AND c.provider_call_id IS NOT NULL ORDER BY c.phone`,
        [requestId],
      )
    ).map((row: { phone: string }) => row.phone);

  it("holds each destination until its window opens in the callee's own time zone", async () => {
    const key = await organization();
    // Monday 2032-11-22 00:30 UTC: 08:30 in Singapore (Monday), 19:30 on Sunday in New York.
    setClock('2032-11-22T00:30:00Z');
    const submitted = await post(key, '/call', campaign('two-zones', [SINGAPORE, NEW_YORK], { callingHours: { start: '09:00', end: '20:00', days: WEEKDAYS } }));
    expect(submitted.status).toBe(200);
    const [sg, ny] = submitted.body.details;
    expect(sg).toMatchObject({ status: 'scheduled', call_state: 'scheduled', nextAttemptAt: '2032-11-22T01:00:00.000Z' });
    expect(ny).toMatchObject({ status: 'scheduled', nextAttemptAt: '2032-11-22T14:00:00.000Z' }); // Monday 09:00 EST

    setClock('2032-11-22T01:00:01Z');
    expect(await scheduler.tick()).toBe(1);
    await until('Singapore dialed', async () => ((await dialedPhones('two-zones')).length === 1 ? true : undefined));
    expect(await dialedPhones('two-zones')).toEqual([SINGAPORE]);
    expect((await details(key, 'two-zones'))[1].status).toBe('scheduled');

    setClock('2032-11-22T14:00:01Z');
    expect(await scheduler.tick()).toBe(1);
    const done = await t.waitForStatus(key, 'two-zones');
    expect(done.summary).toMatchObject({ total: 2, answered: 2 });
  });

  it('computes the opening across a daylight-saving change with the IANA database', async () => {
    const key = await organization();
    // New York falls back from EDT to EST at 06:00 UTC on the first Sunday of November: 01:30 local
    // happens twice. Clocks only move forward here, so this case is asked for a window on a date after
    // the previous test's clock, in November 2038.
    setClock('2038-11-07T05:30:00Z'); // Sunday 01:30 EDT, 30 minutes before the change
    const submitted = await post(key, '/call', campaign('dst', [NEW_YORK], { callingHours: { start: '09:00', end: '20:00', days: ['sun'] } }));
    // 09:00 EST (UTC-5) on the same Sunday is 14:00 UTC; an hour-offset mistake would give 13:00.
    expect(submitted.body.details[0].nextAttemptAt).toBe('2038-11-07T14:00:00.000Z');
    expect((await post(key, '/status/dst/cancel')).status).toBe(200); // later tests count what the scheduler releases
  });

  it("uses the organization's default window, and the campaign's timezone when the number has none", async () => {
    const key = await organization();
    const settings = await t.http.put('/organization/settings').set(KEY, key).send({ callingHours: { start: '10:00', end: '12:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], timezone: 'Asia/Tokyo' } });
    expect(settings.status).toBe(200);
    expect(settings.body.callingHours).toMatchObject({ start: '10:00', end: '12:00', timezone: 'Asia/Tokyo' });
    setClock('2038-11-08T00:00:00Z'); // 09:00 in Tokyo, 08:00 in Singapore
    const submitted = await post(key, '/call', campaign('org-window', [SINGAPORE]));
    // The number's own zone wins over the window's timezone: 10:00 in Singapore.
    expect(submitted.body.details[0].nextAttemptAt).toBe('2038-11-08T02:00:00.000Z');
    expect((await post(key, '/status/org-window/cancel')).status).toBe(200);
    const bad = await t.http.put('/organization/settings').set(KEY, key).send({ callingHours: { start: '21:00', end: '09:00', days: ['mon'], timezone: 'Mars/Olympus' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Raw) => e.field)).toEqual(expect.arrayContaining(['callingHours.timezone']));
  });

  it('defers a call when the window closed while it waited in the queue', async () => {
    const key = await organization(1);
    setClock('2038-11-09T11:00:00Z'); // Tuesday 19:00 in Singapore
    const submitted = await post(key, '/call', campaign('closing', [SLOW, '+6591110011'], { callingHours: { start: '09:00', end: '20:00', days: WEEKDAYS } }));
    expect(submitted.body.details.map((d: Raw) => d.status)).toEqual(['queued', 'queued']);
    await until('the slow call to ring', async () => ((await details(key, 'closing'))[0].call_state === 'ringing' ? true : undefined));
    setClock('2038-11-09T12:00:30Z'); // 20:00:30: the window has closed
    // Free the only slot: the second call is claimed, and must not be dialed now.
    expect((await post(key, `/status/closing/destinations/${encodeURIComponent(SLOW)}/cancel?hangup=true`)).status).toBe(200);
    const call = await until('the second call to be deferred', async () => {
      const d = (await details(key, 'closing'))[1];
      return d.status === 'scheduled' ? d : undefined;
    });
    expect(call).toMatchObject({ nextAttemptAt: '2038-11-10T01:00:00.000Z', attempts: 0, dialedAt: null }); // Wednesday 09:00
    expect(await dialedPhones('closing')).toEqual([SLOW]);
    expect((await post(key, '/status/closing/cancel')).status).toBe(200);
  });

  it('refuses bad calling hours naming the field', async () => {
    const key = await organization();
    const response = await post(key, '/call', campaign('bad-hours', [SINGAPORE], { callingHours: { start: '9am', end: '20:00', days: ['funday'] } }));
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: Raw) => e.field)).toEqual(expect.arrayContaining(['callingHours.start', 'callingHours.days[0]']));
  });

  it('defers a call over the per-number daily cap to the next local day', async () => {
    const key = await organization();
    expect((await t.http.put('/organization/settings').set(KEY, key).send({ maxCallsPerNumberPerDay: 1 })).status).toBe(200);
    setClock('2038-11-10T03:00:00Z'); // 11:00 in Singapore
    expect((await post(key, '/call', campaign('cap-1', ['+6591110021']))).status).toBe(200);
    await t.waitForStatus(key, 'cap-1');
    expect((await post(key, '/call', campaign('cap-2', ['+6591110021']))).status).toBe(200);
    const [deferred] = await until('the second call to be deferred', async () => {
      const d = await details(key, 'cap-2');
      return d[0].status === 'scheduled' ? d : undefined;
    });
    expect(deferred.nextAttemptAt).toBe('2038-11-10T16:00:00.000Z'); // midnight in Singapore
    expect(deferred.attempts).toBe(0);
    setClock('2038-11-10T16:00:01Z');
    expect(await scheduler.tick()).toBe(1);
    const done = await t.waitForStatus(key, 'cap-2');
    expect(done.details[0]).toMatchObject({ call_status: 'answered', attempts: 1 });
  });

  it('previews a campaign with dryRun=true: now, scheduled, suppressed, rejected; nothing stored', async () => {
    const key = await organization();
    await post(key, '/organization/dnc', { phones: ['+6591110033'] });
    setClock('2038-11-11T03:00:00Z'); // Thursday 11:00 in Singapore, 22:00 on Wednesday in New York
    const body = campaign('preview', [SINGAPORE, NEW_YORK, '+6591110033', 'not-a-phone', '+6591110034'], {
      callingHours: { start: '09:00', end: '20:00', days: WEEKDAYS },
    });
    body.destinations[4].properties = {} as { name: string }; // the flow needs {{name}}
    const response = await post(key, '/call?dryRun=true', body);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ dryRun: true, requestIdInUse: false, destinations: 5, wouldDialNow: 1, scheduled: 1, suppressed: 1, rejected: 2, errorCount: 2 });
    expect(response.body.errors.map((e: Raw) => e.field)).toEqual(['destinations[3].phone', 'destinations[4].properties']);
    expect((await t.http.get('/status/preview').set(KEY, key)).status).toBe(404);

    const csv = `phone,name\n${SINGAPORE},A\n${NEW_YORK},B\n+6591110033,C\n12,D\n`;
    const upload = await t.http
      .post('/call/csv')
      .set(KEY, key)
      .field('requestId', 'preview-csv')
      .field('callFlow', JSON.stringify(flow))
      .field('caller', CALLER)
      .field('dryRun', 'true')
      .field('callingHours', JSON.stringify({ start: '09:00', end: '20:00', days: WEEKDAYS }))
      .attach('file', Buffer.from(csv), 'debtors.csv');
    expect(upload.status).toBe(200);
    expect(upload.body).toMatchObject({ dryRun: true, destinations: 4, wouldDialNow: 1, scheduled: 1, suppressed: 1, rejected: 1 });
    expect(upload.body.errors[0]).toMatchObject({ line: 5, column: 'phone' });
    expect((await t.http.get('/status/preview-csv').set(KEY, key)).status).toBe(404);
  });

  describe('call-rate cap shared by two worker processes', () => {
    let worker: INestApplicationContext;
    afterAll(async () => worker?.close());

    it('never starts more calls than callsPerSecond in any one-second window', async () => {
      worker = await createWorkerContext({ ...t.config, role: 'worker' });
      const key = await organization(20);
      expect((await t.http.put('/organization/settings').set(KEY, key).send({ callsPerSecond: 3 })).body.callsPerSecond).toBe(3);
      const phones = Array.from({ length: 15 }, (_, i) => `+659112${String(i).padStart(4, '0')}`);
      expect((await post(key, '/call', campaign('paced', phones))).status).toBe(200);
      await t.waitForStatus(key, 'paced', 'completed', 20_000);
      // The simulator answers after a fixed ring, so answer times are dial times shifted by one constant.
      const rows: { at: Date }[] = await db.query(
        `SELECT c.answered_at AS at FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = 'paced' ORDER BY c.answered_at`,
      );
      const times = rows.map((row) => row.at.getTime());
      expect(times).toHaveLength(15);
      let busiest = 0;
      for (let i = 0; i < times.length; i++) busiest = Math.max(busiest, times.filter((time) => time >= times[i] && time < times[i] + 950).length);
      expect(busiest).toBeLessThanOrEqual(3);
      expect(times[14] - times[0]).toBeGreaterThanOrEqual(3_900); // 15 calls at 3 per second: at least 4 s
    }, 40_000);
  });
});
