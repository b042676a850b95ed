import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { SchedulerService } from '../src/dispatcher/scheduler.service';
import { holdingsOverTime, intervalsOf, maxConcurrency } from './support/call-timeline';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 18: campaigns sharing one organization's slots (priority, fair share by weight, per-campaign caps),
 * and a campaign's start and expiry, on the simulator. Calls ring for different times (per number), so that
 * calls of one campaign do not all end at the same instant.
 */
const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: 'Hi {{name}}' } }] };
const BUSY = '+6599990000';
/** Numbers of one campaign ('6571' → +6571000000, …), each ringing 200–600 ms (2–6 s of script time at speed 10). */
const phones = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `+${prefix}${String(i).padStart(6, '0')}`);
const ringOf = (phone: string) => 2000 + ((Number(phone.slice(-4)) * 1370 + Number(phone.slice(3, 5)) * 530) % 4000);
/**
 * Two calls of one campaign may end within a few milliseconds of each other: until the next release refills
 * their slots (a claim takes milliseconds), the campaign holds two fewer. An imbalance is a failure only when it
 * lasts longer than that.
 */
const REFILL_MS = 50;
function lastingImbalances(samples: { at: number; held: Record<string, number> }[], fair: (held: Record<string, number>) => boolean) {
  const end = samples[samples.length - 1]?.at ?? 0;
  return samples.filter((s, i) => {
    if (fair(s.held)) return false;
    const restored = samples.slice(i + 1).find((next) => fair(next.held))?.at ?? end;
    return restored - s.at > REFILL_MS;
  });
}
const PREFIXES = ['6571', '6572', '6573', '6574', '6575', '6576', '6577', '6578', '6579', '6580', '6581', '6583', '6584'];

jest.setTimeout(60_000);

describe('several campaigns at once: priority, fair share, caps, start and expiry', () => {
  let t: TestApp;
  let clock: Clock;
  let scheduler: SchedulerService;
  let db: DataSource;

  beforeAll(async () => {
    const numbers = Object.fromEntries(PREFIXES.flatMap((p) => phones(p, 40)).map((phone) => [phone, { ringMs: ringOf(phone) }]));
    numbers[BUSY] = { answer: 'busy', ringMs: 500 } as never;
    t = await startTestApp({ simulatorScript: { msPerChar: 20, default: { ringMs: 3000 }, numbers }, simulatorSpeed: 10, config: { schedulerIntervalMs: 3_600_000 } });
    clock = t.app.get(Clock);
    scheduler = t.app.get(SchedulerService);
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const submit = (apiKey: string, requestId: string, prefix: string, n: number, extra: object = {}) =>
    t.http
      .post('/call')
      .set(KEY, apiKey)
      .send({ requestId, destinations: phones(prefix, n).map((phone, i) => ({ phone, caller: CALLER, properties: { name: `N${i}` } })), callFlow: flow, ...extra });
  const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
  /** Starts every campaign submitted with `startAt` at once: the clock passes it, and the scheduler queues their calls in one statement. */
  const start = async (ms: number) => {
    clock.advance(ms);
    await scheduler.tick();
  };
  /** The instant the last call of these campaigns was dialed: until then every one of them had calls waiting. */
  const lastDial = (...campaigns: any[]) => Math.min(...campaigns.map((c) => Math.max(...c.details.map((d: any) => Date.parse(d.dialedAt)))));

  it('a high-priority campaign submitted behind a long one gets every free slot from the next release on', async () => {
    const { apiKey } = await t.createOrganization(3);
    await submit(apiKey, 'long-run', '6571', 30).expect(200);
    await until('the long campaign holds every slot', async () => ((await t.http.get('/organization/usage').set(KEY, apiKey)).body.ongoingCalls === 3 ? true : undefined));
    const urgent = await submit(apiKey, 'urgent', '6572', 6, { priority: 9 }).expect(200);
    expect(urgent.body).toMatchObject({ priority: 9, weight: 1, maxConcurrentCalls: null });

    const done = { long: await t.waitForStatus(apiKey, 'long-run'), urgent: await t.waitForStatus(apiKey, 'urgent') };
    const urgentDials = done.urgent.details.map((d: any) => Date.parse(d.dialedAt));
    const [firstUrgent, lastUrgent] = [Math.min(...urgentDials), Math.max(...urgentDials)];
    // The long campaign's calls dialed after the urgent one was submitted: none while the urgent one had calls waiting.
    const longBetween = done.long.details.filter((d: any) => Date.parse(d.dialedAt) > Date.parse(urgent.body.createdAt) && Date.parse(d.dialedAt) < lastUrgent);
    expect(longBetween).toEqual([]);
    // The urgent calls took the slots as the long campaign's first three calls ended (no later).
    const longEnds = done.long.details.map((d: any) => Date.parse(d.endedAt)).sort((a: number, b: number) => a - b);
    expect(firstUrgent).toBeLessThanOrEqual(longEnds[0] + 1000);
    expect(maxConcurrency(intervalsOf([...done.long.details, ...done.urgent.details]))).toBeLessThanOrEqual(3);
  });

  it('two campaigns of equal priority and weight hold the slots within one of each other at every instant while both have calls waiting', async () => {
    const { apiKey } = await t.createOrganization(4);
    await submit(apiKey, 'equal-a', '6573', 24, { startAt: later(60_000) }).expect(200);
    await submit(apiKey, 'equal-b', '6574', 24, { startAt: later(60_000) }).expect(200);
    await start(60_000);
    const [a, b] = [await t.waitForStatus(apiKey, 'equal-a'), await t.waitForStatus(apiKey, 'equal-b')];
    const samples = holdingsOverTime({ a: intervalsOf(a.details), b: intervalsOf(b.details) }, lastDial(a, b));
    expect(samples.length).toBeGreaterThan(20);
    expect(lastingImbalances(samples, (held) => Math.abs(held.a - held.b) <= 1)).toEqual([]);
    expect(Math.max(...samples.map((s) => s.held.a + s.held.b))).toBe(4);
  });

  it('weights 2:1 share the slots 2:1, within one', async () => {
    const { apiKey } = await t.createOrganization(6);
    await submit(apiKey, 'heavy', '6575', 36, { weight: 2, startAt: later(60_000) }).expect(200);
    await submit(apiKey, 'light', '6576', 18, { startAt: later(60_000) }).expect(200);
    await start(60_000);
    const [heavy, light] = [await t.waitForStatus(apiKey, 'heavy'), await t.waitForStatus(apiKey, 'light')];
    const samples = holdingsOverTime({ heavy: intervalsOf(heavy.details), light: intervalsOf(light.details) }, lastDial(heavy, light));
    expect(samples.length).toBeGreaterThan(20);
    // heavy holds twice light's slots, within one slot of either side.
    expect(lastingImbalances(samples, (held) => Math.abs(held.heavy - 2 * held.light) <= 2)).toEqual([]);
    // Every slot in use, but for the moment a release takes to refill one.
    expect(lastingImbalances(samples, (held) => held.heavy + held.light === 6)).toEqual([]);
  });

  it('a capped campaign never holds more slots than its cap; the slots it leaves go to the others', async () => {
    const { apiKey } = await t.createOrganization(6);
    await submit(apiKey, 'capped', '6577', 20, { priority: 9, maxConcurrentCalls: 2 }).expect(200);
    await submit(apiKey, 'uncapped', '6578', 30).expect(200);
    const [capped, uncapped] = [await t.waitForStatus(apiKey, 'capped'), await t.waitForStatus(apiKey, 'uncapped')];
    expect(maxConcurrency(intervalsOf(capped.details))).toBe(2);
    const samples = holdingsOverTime({ capped: intervalsOf(capped.details), uncapped: intervalsOf(uncapped.details) }, lastDial(capped, uncapped));
    expect(Math.max(...samples.map((s) => s.held.capped))).toBe(2);
    expect(lastingImbalances(samples, (held) => held.capped + held.uncapped === 6)).toEqual([]);
  });

  it('PATCH /status/{requestId} changes the priority while it runs: from then on the campaign gets every free slot', async () => {
    const { apiKey } = await t.createOrganization(2);
    await submit(apiKey, 'first', '6579', 20).expect(200);
    await submit(apiKey, 'second', '6580', 10).expect(200);
    await until('both campaigns dialing', async () => ((await t.http.get('/status/second').set(KEY, apiKey)).body.summary.inProgress > 0 ? true : undefined));
    const patched = await t.http.patch('/status/second').set(KEY, apiKey).send({ priority: 10 }).expect(200);
    expect(patched.body).toMatchObject({ requestId: 'second', priority: 10 });
    const changedAt = Date.now();
    const [first, second] = [await t.waitForStatus(apiKey, 'first'), await t.waitForStatus(apiKey, 'second')];
    const lastSecond = Math.max(...second.details.map((d: any) => Date.parse(d.dialedAt)));
    // Claims already under way when the change committed may still take one call of the first campaign per slot.
    expect(first.details.filter((d: any) => Date.parse(d.dialedAt) > changedAt + 50 && Date.parse(d.dialedAt) < lastSecond)).toEqual([]);

    await t.http.patch('/status/second').set(KEY, apiKey).send({ priority: 0 }).expect(400);
    expect((await t.http.patch('/status/second').set(KEY, apiKey).send({ priority: 3 }).expect(409)).body.message).toContain('completed');
    await t.http.patch('/status/nope').set(KEY, apiKey).send({ priority: 3 }).expect(404);
  });

  it('startAt: nothing is dialed before it (the calls show as scheduled); at startAt they are', async () => {
    const { apiKey } = await t.createOrganization(5);
    const startAt = later(3_600_000);
    const submitted = await submit(apiKey, 'tomorrow', '6581', 3, { startAt: startAt.replace('Z', '+00:00') }).expect(200);
    expect(submitted.body.startAt).toBe(new Date(startAt).toISOString());
    expect(submitted.body.details.map((d: any) => [d.status, d.nextAttemptAt])).toEqual(Array(3).fill(['scheduled', new Date(startAt).toISOString()]));
    await scheduler.tick();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await t.http.get('/status/tomorrow').set(KEY, apiKey)).body.summary).toMatchObject({ queued: 3, inProgress: 0, ended: 0 });
    await start(3_600_000);
    expect((await t.waitForStatus(apiKey, 'tomorrow')).summary).toMatchObject({ total: 3, answered: 3 });
  });

  it('expiresAt: calls not placed by then, a retry included, end as expired; calls on the phone finish; the campaign completes', async () => {
    const { apiKey } = await t.createOrganization(1);
    const expiresAt = later(600_000);
    const destinations = [BUSY, ...phones('6583', 4)].map((phone) => ({ phone, caller: CALLER, properties: { name: 'X' } }));
    await t.http
      .post('/call')
      .set(KEY, apiKey)
      .send({ requestId: 'expiring', destinations, callFlow: flow, expiresAt, retry: { busy: { maxAttempts: 3, delaySeconds: 3600 } } })
      .expect(200);
    // The busy number is tried once, and its retry scheduled an hour later; then the next calls go one at a time.
    await until('two calls ended', async () => ((await t.http.get('/status/expiring').set(KEY, apiKey)).body.summary.ended >= 1 ? true : undefined));
    await start(600_000);
    const done = await t.waitForStatus(apiKey, 'expiring');
    const byPhone = Object.fromEntries(done.details.map((d: any) => [d.destination, d]));
    expect(byPhone[BUSY]).toMatchObject({ status: 'expired', attempts: 1, attemptHistory: [expect.objectContaining({ outcome: 'busy' })] });
    const expired = done.details.filter((d: any) => d.status === 'expired');
    expect(done.summary.expired).toBe(expired.length);
    expect(done.summary).toMatchObject({ total: 5, ended: 5, queued: 0 });
    expect(done.summary.answered + done.summary.expired).toBe(5);
    expect(expired.every((d: any) => d.dialedAt === null || d.destination === BUSY)).toBe(true);
    expect(done.status).toBe('completed');
    const filtered = await t.http.get('/status/expiring?status=expired').set(KEY, apiKey).expect(200);
    expect(filtered.body.details.map((d: any) => d.destination).sort()).toEqual(expired.map((d: any) => d.destination).sort());
    const funnel = (await t.http.get('/status/expiring/funnel').set(KEY, apiKey).expect(200)).body;
    expect(funnel.totals.expired).toEqual({ count: expired.length, export: expect.stringContaining('status=expired') });
    const csv = (await t.http.get('/status/expiring/export.csv').set(KEY, apiKey).expect(200)).text;
    expect(csv.split('\n').filter((line) => line.includes(',expired,')).length).toBe(expired.length);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = 'expiring' AND c.call_state <> 'ended'`);
    expect(n).toBe(0);
  });

  it('refuses bad values naming the field, in JSON and in the CSV form, and stores nothing', async () => {
    const { apiKey } = await t.createOrganization(1);
    const bad = await submit(apiKey, 'bad', '6584', 1, { priority: 11, weight: 0, maxConcurrentCalls: 1.5, startAt: '2027-01-15 09:00', expiresAt: '2027-01-15' }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['expiresAt', 'maxConcurrentCalls', 'priority', 'startAt', 'weight']);
    const past = await submit(apiKey, 'bad', '6584', 1, { expiresAt: '2020-01-01T00:00:00+08:00' }).expect(400);
    expect(past.body.errors).toEqual([{ field: 'expiresAt', message: expect.stringContaining('is not in the future') }]);
    const order = await submit(apiKey, 'bad', '6584', 1, { startAt: later(7_200_000), expiresAt: later(3_600_000) }).expect(400);
    expect(order.body.errors).toEqual([{ field: 'expiresAt', message: 'must be after startAt' }]);
    const csv = await t.http
      .post('/call/csv')
      .set(KEY, apiKey)
      .field('requestId', 'bad-csv')
      .field('callFlow', JSON.stringify(flow))
      .field('priority', 'high')
      .attach('file', Buffer.from(`phone,caller,name\n${phones('6584', 1)[0]},${CALLER},A\n`), 'a.csv')
      .expect(400);
    expect(csv.body.errors.map((e: { field: string }) => e.field)).toEqual(['priority']);
    await t.http.get('/status/bad').set(KEY, apiKey).expect(404);
    for (const queueing of [null, 'lifo']) {
      const refused = await t.http.put('/organization/settings').set(KEY, apiKey).send({ queueing }).expect(400);
      expect(refused.body.errors).toEqual([{ field: 'queueing', message: 'must be one of fair, fifo' }]);
    }
    expect((await t.http.get('/organization/settings').set(KEY, apiKey).expect(200)).body.queueing).toBe('fair');
    await t.http.get('/status/bad-csv').set(KEY, apiKey).expect(404);

    const ok = await t.http
      .post('/call/csv')
      .set(KEY, apiKey)
      .field('requestId', 'csv-shared')
      .field('callFlow', JSON.stringify(flow))
      .field('priority', '8')
      .field('weight', '3')
      .field('maxConcurrentCalls', '2')
      .field('startAt', later(3_600_000))
      .attach('file', Buffer.from(`phone,caller,name\n${phones('6584', 1)[0]},${CALLER},A\n`), 'a.csv')
      .expect(200);
    expect(ok.body).toMatchObject({ priority: 8, weight: 3, maxConcurrentCalls: 2, summary: { total: 1 } });
    expect(ok.body.details[0].status).toBe('scheduled');
  });
});
