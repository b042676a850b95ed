import { DataSource } from 'typeorm';
import { Call } from '../src/campaigns/call.entity';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';

type Raw = Record<string, any>;

/** Destination i: +6591000000 + i; outcomes by the simulator script below. */
const phoneOf = (i: number) => `+659100${String(i).padStart(4, '0')}`;
const OUTCOME_OF = (i: number) => (i % 5 === 1 ? 'busy' : i % 5 === 2 ? 'no_answer' : i % 5 === 3 ? 'failed' : 'answered');

const campaign = (requestId: string, count: number) => ({
  requestId,
  destinations: Array.from({ length: count }, (_, i) => ({ phone: phoneOf(i), caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
});

describe('campaign list, detail filters and timeline (the dashboard reads these)', () => {
  let t: TestApp;
  let apiKey: string;
  let otherKey: string;

  beforeAll(async () => {
    const numbers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [phoneOf(i), { answer: OUTCOME_OF(i) }]));
    t = await startTestApp({ simulatorScript: { default: { ringMs: 10 }, numbers } });
    apiKey = (await t.createOrganization(10)).apiKey;
    otherKey = (await t.createOrganization(10)).apiKey;
    for (const [requestId, count] of [['first', 3], ['second', 20], ['third', 2]] as const) {
      expect((await t.http.post('/call').set(KEY, apiKey).send(campaign(requestId, count))).status).toBe(200);
    }
    await t.waitForStatus(apiKey, 'second');
  }, 60_000);
  afterAll(() => t.close());

  const get = (path: string, key = apiKey) => t.http.get(path).set(KEY, key);

  it('lists campaigns newest first, paged, with their counters', async () => {
    const page1 = await get('/campaigns?perPage=2');
    expect(page1.status).toBe(200);
    expect(page1.body.campaigns.map((c: Raw) => c.requestId)).toEqual(['third', 'second']);
    expect(page1.body.pagination).toEqual({ page: 1, perPage: 2, total: 3, totalPages: 2 });
    const second = page1.body.campaigns[1];
    expect(second).toMatchObject({ source: 'api', status: 'completed', summary: { total: 20, ended: 20, answered: 8, busy: 4, no_answer: 4, failed: 4 } });
    expect(second).not.toHaveProperty('details');

    const page2 = await get('/campaigns?perPage=2&page=2');
    expect(page2.body.campaigns.map((c: Raw) => c.requestId)).toEqual(['first']);
  });

  it("shows no other organization's campaigns", async () => {
    const other = await get('/campaigns', otherKey);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ campaigns: [], pagination: { total: 0 } });
    expect((await get('/campaigns', 'rk_nope')).status).toBe(401);
  });

  it('filters details by outcome, status and phone digits, paging over the matches', async () => {
    const busy = await get('/status/second?outcome=busy&perPage=3');
    expect(busy.status).toBe(200);
    expect(busy.body.details.map((d: Raw) => d.destination)).toEqual([phoneOf(1), phoneOf(6), phoneOf(11)]);
    expect(busy.body.pagination).toEqual({ page: 1, perPage: 3, total: 4, totalPages: 2 });
    expect(busy.body.summary.total).toBe(20); // the summary covers the whole campaign

    const busyPage2 = await get('/status/second?outcome=busy&perPage=3&page=2');
    expect(busyPage2.body.details.map((d: Raw) => d.destination)).toEqual([phoneOf(16)]);

    const byPhone = await get(`/status/second?phone=${encodeURIComponent('00012')}`);
    expect(byPhone.body.details.map((d: Raw) => d.destination)).toEqual([phoneOf(12)]);

    const completed = await get('/status/second?status=completed&outcome=answered');
    expect(completed.body.pagination.total).toBe(8);
    expect((await get('/status/second?status=queued')).body.pagination.total).toBe(0);
  });

  it('shows every stored field of a destination as the call entity holds it, timestamps as ISO text', async () => {
    const page = await get('/status/second?perPage=20');
    const calls = await t.app.get(DataSource).getRepository(Call).find({ where: { phone: phoneOf(1) } });
    const stored = calls.find((c) => page.body.details.some((d: Raw) => d.callId === c.id))!;
    const shown = page.body.details.find((d: Raw) => d.callId === stored.id);
    expect(shown).toEqual({
      requestId: 'second',
      callId: stored.id,
      caller: CALLER,
      destination: phoneOf(1),
      status: stored.status,
      call_state: 'ended',
      call_status: 'busy',
      attempts: stored.attempts,
      dialedAt: stored.dialedAt!.toISOString(),
      answeredAt: null,
      endedAt: stored.endedAt!.toISOString(),
      callFlowSteps: stored.steps,
      monitorData: stored.monitorData,
    });
    const answered = page.body.details.find((d: Raw) => d.destination === phoneOf(0));
    expect(new Date(answered.answeredAt).toISOString()).toBe(answered.answeredAt);
    expect(answered.callFlowSteps).toHaveLength(1);
  });

  it('answers a page beyond any destination with no details, filtered or not', async () => {
    for (const query of ['page=9007199254740&perPage=1000', 'page=9007199254740&perPage=1000&outcome=busy']) {
      const far = await get(`/status/second?${query}`);
      expect(far.status).toBe(200);
      expect(far.body.details).toEqual([]);
    }
  });

  it('refuses unknown filter values naming the field', async () => {
    const response = await get('/status/second?status=done&phone=abc');
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: Raw) => e.field).sort()).toEqual(['phone', 'status']);
  });

  it('counts calls started and ended per bucket, with outcomes, summing to the campaign', async () => {
    const response = await get('/status/second/timeline?bucketSeconds=10');
    expect(response.status).toBe(200);
    expect(response.body.bucketSeconds).toBe(10);
    const points: Raw[] = response.body.points;
    expect(points.length).toBeGreaterThan(0);
    const sum = (key: string) => points.reduce((total, point) => total + point[key], 0);
    expect([sum('started'), sum('ended'), sum('answered'), sum('busy'), sum('no_answer'), sum('failed')]).toEqual([20, 20, 8, 4, 4, 4]);
    // Consecutive buckets, empty ones included.
    const times = points.map((p) => Date.parse(p.at));
    expect(times.every((time, i) => i === 0 || time - times[i - 1] === 10_000)).toBe(true);

    expect((await get('/status/second/timeline', otherKey)).status).toBe(404);
    expect((await get('/status/second/timeline?bucketSeconds=1')).status).toBe(400);
  });

  it('gives an empty timeline for a campaign with no call dialed yet', async () => {
    await t.http.put('/organization/usage').set(KEY, otherKey).send({ externalOngoingCalls: 10 });
    expect((await t.http.post('/call').set(KEY, otherKey).send(campaign('held', 2))).status).toBe(200);
    const response = await get('/status/held/timeline', otherKey);
    expect(response.status).toBe(200);
    expect(response.body.points).toEqual([]);
  });
});
