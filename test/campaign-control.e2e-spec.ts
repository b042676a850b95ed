import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';

type Raw = Record<string, any>;

const phoneOf = (i: number) => `+659200${String(i).padStart(4, '0')}`;
const campaign = (requestId: string, count: number) => ({
  requestId,
  destinations: Array.from({ length: count }, (_, i) => ({ phone: phoneOf(i), caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
});

describe('campaign control: pause, resume, cancel', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // Real time: each call rings 150 ms, then plays a short message.
    t = await startTestApp({ simulatorScript: { msPerChar: 1, default: { ringMs: 150 }, numbers: { [phoneOf(900)]: { ringMs: 60_000 } } }, simulatorSpeed: 1 });
    db = t.app.get(DataSource);
  }, 30_000);
  afterAll(() => t.close());

  async function organization(limit: number): Promise<string> {
    return (await t.createOrganization(limit)).apiKey;
  }
  const post = (key: string, path: string) => t.http.post(path).set(KEY, key);
  const status = async (key: string, requestId: string): Promise<Raw> => (await t.http.get(`/status/${requestId}?perPage=1000`).set(KEY, key)).body;

  async function until(key: string, requestId: string, accept: (view: Raw) => boolean, timeoutMs = 15_000): Promise<Raw> {
    const deadline = Date.now() + timeoutMs;
    let view: Raw = {};
    while (Date.now() < deadline) {
      view = await status(key, requestId);
      if (accept(view)) return view;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`condition not reached; last: ${JSON.stringify(view.summary)} ${view.status}`);
  }

  /** Calls the voice platform was asked to place (a provider call id is stored for each). */
  async function placed(requestId: string): Promise<string[]> {
    const rows: { phone: string }[] = await db.query(
      `SELECT c.phone FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = $1 AND c.provider_call_id IS NOT NULL ORDER BY c.dial_started_at`,
      [requestId],
    );
    return rows.map((row) => row.phone);
  }

  it('pause stops releasing calls, resume continues in order, and every call is dialed once', async () => {
    const key = await organization(2);
    expect((await post(key, '/call').send(campaign('pausing', 20))).status).toBe(200);
    await until(key, 'pausing', (v) => v.summary.ended >= 3);

    const paused = await post(key, '/status/pausing/pause');
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    // The calls in progress finish; nothing new is dialed.
    const settled = await until(key, 'pausing', (v) => v.summary.inProgress === 0);
    await new Promise((resolve) => setTimeout(resolve, 600)); // long enough for 2 slots to turn over 4 times
    const stillPaused = await status(key, 'pausing');
    expect(stillPaused.status).toBe('paused');
    expect(stillPaused.summary.queued).toBe(settled.summary.queued);
    expect(stillPaused.summary.queued).toBeGreaterThan(0);
    expect(stillPaused.details.filter((d: Raw) => d.call_state === 'paused')).toHaveLength(stillPaused.summary.queued);
    expect((await post(key, '/status/pausing/pause')).body.status).toBe('paused'); // idempotent

    const resumed = await post(key, '/status/pausing/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('onProgress');
    const done = await t.waitForStatus(key, 'pausing', 'completed');
    expect(done.summary).toMatchObject({ total: 20, ended: 20, answered: 20, cancelled: 0 });
    const order = await placed('pausing');
    expect(order).toHaveLength(20);
    expect(new Set(order).size).toBe(20);
    // FIFO held across the pause (two slots: neighbours may swap).
    order.forEach((phone, i) => expect(Math.abs(Number(phone.slice(-4)) - i)).toBeLessThanOrEqual(1));
  });

  it('cancel ends every call not yet dialed; calls in progress finish; nothing is both dialed and cancelled', async () => {
    const key = await organization(3);
    expect((await post(key, '/call').send(campaign('cancelling', 30))).status).toBe(200);
    await until(key, 'cancelling', (v) => v.summary.ended >= 4);

    const cancelled = await post(key, '/status/cancelling/cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const done = await until(key, 'cancelling', (v) => v.completedAt !== null && v.summary.inProgress === 0);
    expect(done.status).toBe('cancelled');
    expect(done.summary.ended).toBe(30);
    expect(done.summary.queued).toBe(0);
    expect(done.summary.answered + done.summary.cancelled).toBe(30);
    expect(done.summary.cancelled).toBeGreaterThan(0);

    const dialed = new Set(await placed('cancelling'));
    for (const detail of done.details) {
      if (detail.status === 'cancelled') {
        expect(dialed.has(detail.destination)).toBe(false);
        expect(detail).toMatchObject({ call_state: 'ended', call_status: 'cancelled', dialedAt: null, attempts: 0 });
      } else {
        expect(dialed.has(detail.destination)).toBe(true);
        expect(detail.call_status).toBe('answered');
      }
    }
    expect(dialed.size).toBe(done.summary.answered);

    // Idempotent, and the DELETE alias answers the same.
    expect((await post(key, '/status/cancelling/cancel')).body.summary).toEqual(done.summary);
    const deleted = await t.http.delete('/call/cancelling').set(KEY, key);
    expect(deleted.status).toBe(200);
    expect(deleted.body.summary).toEqual(done.summary);
    expect((await post(key, '/status/cancelling/resume')).status).toBe(409);
  });

  it('cancel with hangup=true also ends the calls in progress through the voice platform', async () => {
    const key = await organization(2);
    const body = campaign('hanging-up', 4);
    body.destinations[0].phone = phoneOf(900); // rings for a minute
    expect((await post(key, '/call').send(body)).status).toBe(200);
    await until(key, 'hanging-up', (v) => v.details[0].call_state === 'ringing');

    expect((await post(key, '/status/hanging-up/cancel?hangup=true')).status).toBe(200);
    const done = await until(key, 'hanging-up', (v) => v.completedAt !== null, 5_000);
    expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'cancelled' });
    expect(done.summary.ended).toBe(4);
    const usage = await t.http.get('/organization/usage').set(KEY, key);
    expect(usage.body.ongoingCalls).toBe(0);
  });

  it('cancels one destination: queued at once, in progress only with hangup', async () => {
    const key = await organization(1);
    const body = campaign('one-destination', 3);
    body.destinations[0].phone = phoneOf(900); // holds the only slot
    expect((await post(key, '/call').send(body)).status).toBe(200);
    await until(key, 'one-destination', (v) => v.details[0].call_state === 'ringing');

    const queuedOne = await post(key, `/status/one-destination/destinations/${encodeURIComponent(phoneOf(2))}/cancel`);
    expect(queuedOne.status).toBe(200);
    expect(queuedOne.body).toMatchObject({ destination: phoneOf(2), status: 'cancelled', call_status: 'cancelled' });

    const ringing = await post(key, `/status/one-destination/destinations/${encodeURIComponent(phoneOf(900))}/cancel`);
    expect(ringing.status).toBe(409);
    expect(ringing.body.message).toMatch(/hangup=true/);

    const hungUp = await post(key, `/status/one-destination/destinations/${encodeURIComponent(phoneOf(900))}/cancel?hangup=true`);
    expect(hungUp.status).toBe(200);
    const done = await t.waitForStatus(key, 'one-destination', 'completed', 10_000);
    expect(done.details.map((d: Raw) => d.call_status)).toEqual(['cancelled', 'answered', 'cancelled']);
    expect(done.summary).toMatchObject({ total: 3, ended: 3, answered: 1, cancelled: 2 });

    expect((await post(key, `/status/one-destination/destinations/${encodeURIComponent('+6500000000')}/cancel`)).status).toBe(404);
  });

  it("is scoped to the organization and refuses what cannot be done", async () => {
    const key = await organization(5);
    const other = await organization(5);
    expect((await post(key, '/call').send(campaign('mine', 2))).status).toBe(200);
    for (const action of ['pause', 'resume', 'cancel']) expect((await post(other, `/status/mine/${action}`)).status).toBe(404);
    expect((await t.http.delete('/call/mine').set(KEY, other)).status).toBe(404);
    await t.waitForStatus(key, 'mine', 'completed');
    expect((await post(key, '/status/mine/pause')).status).toBe(409);
    expect((await post(key, '/status/mine/cancel')).status).toBe(409);
    expect((await post(key, '/status/mine/cancel?hangup=maybe')).status).toBe(400);
  });

  it('a cancel racing the dispatcher never loses or double-handles a call', async () => {
    const key = await organization(40);
    expect((await post(key, '/call').send(campaign('racing', 400))).status).toBe(200);
    await until(key, 'racing', (v) => v.summary.queued < 400);
    expect((await post(key, '/status/racing/cancel')).status).toBe(200);
    const done = await until(key, 'racing', (v) => v.completedAt !== null, 20_000);
    const dialed = new Set(await placed('racing'));
    const cancelled = done.details.filter((d: Raw) => d.status === 'cancelled');
    expect(dialed.size).toBeGreaterThan(0);
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.length + dialed.size).toBe(400);
    expect(cancelled.every((d: Raw) => !dialed.has(d.destination))).toBe(true);
    expect(done.summary).toMatchObject({ total: 400, ended: 400, queued: 0, inProgress: 0, cancelled: cancelled.length });
  });
});
