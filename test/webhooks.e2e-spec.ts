import { Clock } from '../src/common/clock';
import { CALLEE_SCRIPTS, CALLEES, voicemailFlow } from './support/left-messages';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';
import { ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver';

/**
 * Status callbacks (issue 15, item 4) against real receivers over HTTP on loopback: every event arrives,
 * signed so that the reference `standardwebhooks` verifier accepts it, once per webhook-id for a
 * deduplicating receiver; failures are retried with the same id; a receiver failing for the whole window
 * is disabled (the app's clock is moved forward, so that test runs last).
 */
const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const DAY_MS = 24 * 3600 * 1000;

const phoneOf = (i: number) => `+659300${String(i).padStart(4, '0')}`;
const campaign = (requestId: string, count: number, extra: Record<string, unknown> = {}) => ({
  requestId,
  destinations: Array.from({ length: count }, (_, i) => ({ phone: phoneOf(i), caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
  ...extra,
});

describe('status callbacks (Standard Webhooks)', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: { numbers: CALLEE_SCRIPTS },
      config: { webhooks: { allowInsecure: true, pollMs: 50, concurrency: 20, concurrencyPerEndpoint: 5, timeoutMs: 1_000, retryScheduleMs: [100, 150, 200, 250], disableAfterMs: 5 * DAY_MS, retentionMs: 10 * DAY_MS, pruneEveryMs: 100 } },
    });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  async function receiver(): Promise<WebhookReceiver> {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  }
  const org = async (limit = 5) => (await t.createOrganization(limit)).apiKey;
  const createEndpoint = async (key: string, body: object) => {
    const response = await t.http.post('/organization/webhook-endpoints').set(KEY, key).send(body);
    expect(response.status).toBe(201);
    return response.body as { id: string; secret: string; url: string; events: string[] };
  };
  const verifiedAll = (requests: ReceivedWebhook[], secret: string) => requests.forEach((r) => expect(WebhookReceiver.verify(r, secret)).toEqual(r.json));

  it('endpoints: the secret is shown at creation and rotation only; list, get, patch, delete', async () => {
    const key = await org();
    const r = await receiver();
    const created = await createEndpoint(key, { url: r.url, description: 'CRM' });
    expect(created).toMatchObject({ url: r.url, description: 'CRM', enabled: true, events: ['call.completed', 'recording.ready', 'campaign.completed', 'campaign.paused', 'campaign.resumed', 'campaign.cancelled'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const listed = await t.http.get('/organization/webhook-endpoints').set(KEY, key);
    expect(listed.status).toBe(200);
    expect(listed.body.endpoints).toHaveLength(1);
    expect(listed.body.endpoints[0]).not.toHaveProperty('secret');
    const one = await t.http.get(`/organization/webhook-endpoints/${created.id}`).set(KEY, key);
    expect(one.body).toEqual(listed.body.endpoints[0]);

    const patched = await t.http.patch(`/organization/webhook-endpoints/${created.id}`).set(KEY, key).send({ events: ['campaign.completed'], description: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['campaign.completed'], description: null, url: r.url });

    const rotated = await t.http.post(`/organization/webhook-endpoints/${created.id}/rotate-secret`).set(KEY, key);
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);

    expect((await t.http.delete(`/organization/webhook-endpoints/${created.id}`).set(KEY, key)).body).toEqual({ deleted: created.id });
    expect((await t.http.get(`/organization/webhook-endpoints/${created.id}`).set(KEY, key)).status).toBe(404);
    expect((await t.http.get('/organization/webhook-endpoints/not-a-uuid').set(KEY, key)).status).toBe(404);
  });

  it('refuses receivers that are not https://, or that are on private, link-local or reserved addresses (SSRF)', async () => {
    const key = await org();
    for (const url of ['http://93.184.215.14/hooks', 'https://10.0.0.1/hooks', 'https://172.20.1.1/', 'https://192.168.1.10/', 'https://169.254.169.254/latest/meta-data', 'https://[fe80::1]/', 'https://[fd00::1]/', 'ftp://127.0.0.1/', 'https://user:pw@127.0.0.1/', 'not a url']) {
      const response = await t.http.post('/organization/webhook-endpoints').set(KEY, key).send({ url });
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
      expect(response.body.errors[0].field).toBe('url');
    }
    const badEvent = await t.http.post('/organization/webhook-endpoints').set(KEY, key).send({ url: 'http://127.0.0.1:9/x', events: ['call.complete'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.errors[0].field).toBe('events');
    // A campaign's own callback URL too, on both forms.
    const call = await t.http.post('/call').set(KEY, key).send(campaign('ssrf', 1, { statusCallbackUrl: 'https://169.254.169.254/' }));
    expect(call.status).toBe(400);
    expect(call.body.errors.map((e: any) => e.field)).toContain('statusCallbackUrl');
    const csv = await t.http
      .post('/call/csv')
      .set(KEY, key)
      .field('requestId', 'ssrf-csv')
      .field('callFlow', JSON.stringify(campaign('x', 1).callFlow))
      .field('statusCallbackUrl', 'http://10.1.2.3/')
      .attach('file', Buffer.from(`phone,caller,name\n${phoneOf(1)},${CALLER},A\n`), 'a.csv');
    expect(csv.status).toBe(400);
    expect(JSON.stringify(csv.body)).toContain('statusCallbackUrl');
  });

  it("every call.completed and the campaign.completed arrive signed, once per id, with the call's detail exactly as in GET /status", async () => {
    const key = await org(3);
    const [endpointReceiver, campaignReceiver] = [await receiver(), await receiver()];
    const endpoint = await createEndpoint(key, { url: endpointReceiver.url });
    const secret = await t.http.post('/organization/status-callback-secret').set(KEY, key);
    expect(secret.status).toBe(201);

    const size = 12;
    expect((await t.http.post('/call').set(KEY, key).send(campaign('callbacks', size, { statusCallbackUrl: campaignReceiver.url }))).status).toBe(200);
    const status = await t.waitForStatus(key, 'callbacks');
    await endpointReceiver.waitFor((r) => r.unique().length === size + 1);
    await campaignReceiver.waitFor((r) => r.unique().length === size + 1);

    for (const [r, signingSecret] of [
      [endpointReceiver, endpoint.secret],
      [campaignReceiver, secret.body.secret],
    ] as const) {
      verifiedAll(r.requests, signingSecret);
      const events = r.unique();
      expect(events.filter((e) => e.json.type === 'call.completed')).toHaveLength(size);
      expect(events.filter((e) => e.json.type === 'campaign.completed')).toHaveLength(1);
      for (const event of events) {
        expect(Object.keys(event.json).sort()).toEqual(['data', 'timestamp', 'type']);
        expect(new Date(event.json.timestamp).toISOString()).toBe(event.json.timestamp);
      }
      const details = events.filter((e) => e.json.type === 'call.completed').map((e) => e.json.data);
      expect(details.sort((a, b) => a.callId.localeCompare(b.callId))).toEqual([...status.details].sort((a: any, b: any) => a.callId.localeCompare(b.callId)));
      const completed = events.find((e) => e.json.type === 'campaign.completed')!.json.data;
      expect(completed).toMatchObject({ requestId: 'callbacks', status: 'completed', summary: { total: size, ended: size } });
    }
    // One event, one webhook-id, whichever receiver it goes to.
    expect(new Set(endpointReceiver.unique().map((e) => e.id))).toEqual(new Set(campaignReceiver.unique().map((e) => e.id)));

    // A delivery is recorded once its receiver's answer is in, which may be a moment after the receiver saw it.
    const deliveries = await until('the newest delivery recorded', async () => {
      const page = await t.http.get(`/organization/webhook-endpoints/${endpoint.id}/deliveries?perPage=5`).set(KEY, key);
      return page.status !== 200 || page.body.deliveries[0]?.status !== 'pending' ? page : undefined;
    });
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.pagination).toEqual({ page: 1, perPage: 5, total: size + 1, totalPages: 3 });
    expect(deliveries.body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1, responseStatus: 200, responseBody: 'ok', nextAttemptAt: null, error: null });

    // The campaign's own receiver: its deliveries, and one sent again by hand with the same id and body.
    const own = await t.http.get('/status/callbacks/status-callbacks?perPage=100').set(KEY, key);
    expect(own.status).toBe(200);
    expect(own.body.pagination.total).toBe(size + 1);
    expect(own.body.deliveries.every((d: any) => d.status === 'delivered')).toBe(true);
    const again = own.body.deliveries[0];
    expect((await t.http.post(`/status/callbacks/status-callbacks/${again.id}/retry`).set(KEY, key)).status).toBe(202);
    await campaignReceiver.waitFor((r) => r.requests.length === size + 2);
    const resent = campaignReceiver.requests[size + 1];
    expect(resent.id).toBe(again.eventId);
    expect(resent.body).toBe(campaignReceiver.requests.find((q) => q.id === again.eventId)!.body);
    expect(campaignReceiver.unique()).toHaveLength(size + 1);
    expect((await t.http.post(`/status/callbacks/status-callbacks/${endpoint.id}/retry`).set(KEY, key)).status).toBe(404);
  }, 40_000);

  it("a CSV upload's statusCallbackUrl gets its campaign's events, signed with the status-callback secret", async () => {
    const key = await org();
    const r = await receiver();
    const secret = (await t.http.post('/organization/status-callback-secret').set(KEY, key)).body.secret;
    const csv = await t.http
      .post('/call/csv')
      .set(KEY, key)
      .field('requestId', 'csv-callbacks')
      .field('callFlow', JSON.stringify(campaign('x', 1).callFlow))
      .field('statusCallbackUrl', r.url)
      .attach('file', Buffer.from(`phone,caller,name\n${phoneOf(1)},${CALLER},A\n${phoneOf(2)},${CALLER},B\n`), 'a.csv');
    expect(csv.status).toBe(200);
    await t.waitForStatus(key, 'csv-callbacks');
    await r.waitFor((x) => x.unique().length === 3);
    verifiedAll(r.requests, secret);
    expect(r.unique().map((e) => e.json.type).sort()).toEqual(['call.completed', 'call.completed', 'campaign.completed']);
    // Resubmitting the same form is harmless; another URL under the same requestId is a different body (409).
    const again = await t.http
      .post('/call/csv')
      .set(KEY, key)
      .field('requestId', 'csv-callbacks')
      .field('callFlow', JSON.stringify(campaign('x', 1).callFlow))
      .field('statusCallbackUrl', `${r.url}/other`)
      .attach('file', Buffer.from(`phone,caller,name\n${phoneOf(1)},${CALLER},A\n${phoneOf(2)},${CALLER},B\n`), 'a.csv');
    expect(again.status).toBe(409);
  }, 30_000);

  it('destinations on the do-not-call list complete too (suppressed), at submission and at dial time; so does a campaign of them only', async () => {
    const key = await org(1);
    const r = await receiver();
    await createEndpoint(key, { url: r.url });
    const dnc = (phones: string[]) => t.http.post('/organization/dnc').set(KEY, key).send({ phones });
    expect((await dnc([phoneOf(0)])).status).toBe(200);
    // All suppressed at submission: the campaign is complete at once.
    expect((await t.http.post('/call').set(KEY, key).send(campaign('all-suppressed', 1))).status).toBe(200);
    await r.waitFor((x) => x.unique().length === 2);
    expect(r.unique().map((e) => [e.json.type, e.json.data.status])).toEqual(
      expect.arrayContaining([
        ['call.completed', 'suppressed'],
        ['campaign.completed', 'completed'],
      ]),
    );
    // Listed after submission, while the campaign is paused: suppressed when its turn to be dialed comes.
    const size = 30;
    expect((await t.http.post('/call').set(KEY, key).send(campaign('late-dnc', size))).status).toBe(200);
    expect((await t.http.post('/status/late-dnc/pause').set(KEY, key)).status).toBe(200);
    expect((await dnc([phoneOf(size - 1)])).status).toBe(200);
    expect((await t.http.post('/status/late-dnc/resume').set(KEY, key)).status).toBe(200);
    await t.waitForStatus(key, 'late-dnc');
    await r.waitFor((x) => x.unique().filter((e) => e.json.data.requestId === 'late-dnc' && e.json.type !== 'campaign.paused' && e.json.type !== 'campaign.resumed').length === size + 1);
    const late = r.unique().filter((e) => e.json.data.requestId === 'late-dnc');
    expect(late.filter((e) => e.json.type === 'call.completed')).toHaveLength(size);
    expect(late.find((e) => e.json.data.destination === phoneOf(size - 1))!.json.data.status).toBe('suppressed');
    expect(late.filter((e) => e.json.type === 'campaign.completed')).toHaveLength(1);
  }, 30_000);

  it('pause, resume and cancel are each told once, with the summary; cancelled calls complete too', async () => {
    const key = await org(1);
    const r = await receiver();
    const endpoint = await createEndpoint(key, { url: r.url });
    const size = 200;
    expect((await t.http.post('/call').set(KEY, key).send(campaign('controlled', size))).status).toBe(200);
    expect((await t.http.post('/status/controlled/pause').set(KEY, key)).status).toBe(200);
    expect((await t.http.post('/status/controlled/pause').set(KEY, key)).status).toBe(200); // twice: no second event
    expect((await t.http.post('/status/controlled/resume').set(KEY, key)).status).toBe(200);
    expect((await t.http.post('/status/controlled/cancel').set(KEY, key)).status).toBe(200);
    await t.waitForStatus(key, 'controlled', 'cancelled');
    await r.waitFor((x) => x.unique().filter((e) => e.json.type === 'call.completed').length === size && x.unique().some((e) => e.json.type === 'campaign.cancelled'));
    verifiedAll(r.requests, endpoint.secret);
    const types = r.unique().map((e) => e.json.type);
    expect(types.filter((type) => type.startsWith('campaign.')).sort()).toEqual(['campaign.cancelled', 'campaign.paused', 'campaign.resumed']);
    const paused = r.unique().find((e) => e.json.type === 'campaign.paused')!.json.data;
    expect(paused).toMatchObject({ requestId: 'controlled', summary: { total: size } });
    const cancelledCalls = r.unique().filter((e) => e.json.type === 'call.completed' && e.json.data.status === 'cancelled');
    expect(cancelledCalls.length).toBeGreaterThan(0);
  }, 40_000);

  it('recording.ready: once for a call whose record step left a message, with its detail (the audio link), none for a silent callee', async () => {
    const key = await org();
    const r = await receiver();
    const endpoint = await createEndpoint(key, { url: r.url, events: ['recording.ready'] });
    const destinations = [CALLEES.spokeAndPressed, CALLEES.silent].map((phone) => ({ phone, caller: CALLER, properties: { name: 'Ann' } }));
    expect((await t.http.post('/call').set(KEY, key).send({ requestId: 'left-messages', destinations, callFlow: voicemailFlow('en-US') })).status).toBe(200);
    const status = await t.waitForStatus(key, 'left-messages');
    await r.waitFor((x) => x.unique().length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more comes
    expect(r.requests).toHaveLength(1);
    verifiedAll(r.requests, endpoint.secret);
    const { data } = r.requests[0].json;
    const spoke = status.details.find((d: any) => d.destination === CALLEES.spokeAndPressed);
    expect(data).toMatchObject({ requestId: 'left-messages', callId: spoke.callId, destination: CALLEES.spokeAndPressed });
    expect(data.callFlowSteps[1].info.recording).toMatchObject({ durationSeconds: 7, file: `/status/left-messages/calls/${spoke.callId}/steps/1/recording.wav` });
  }, 30_000);

  it('a 500 and a timeout are retried with the same webhook-id until a 2xx', async () => {
    const key = await org();
    const r = await receiver();
    // Each event: 500 first, then an answer slower than the 1 s timeout, then 200.
    r.behaviour = (_, seen) => (seen === 0 ? { status: 500, body: 'boom' } : seen === 1 ? { status: 200, delayMs: 1_500 } : { status: 200 });
    const endpoint = await createEndpoint(key, { url: r.url });
    expect((await t.http.post('/call').set(KEY, key).send(campaign('retried', 2))).status).toBe(200);
    await r.waitFor((x) => x.requests.length === 3 * 3 && x.requests.every((q) => q.answered !== 200 || x.requests.filter((p) => p.id === q.id).length === 3), 20_000);
    const ids = [...new Set(r.requests.map((q) => q.id))];
    expect(ids).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 1_600)); // the slow answers' delays run out
    for (const id of ids) expect(r.requests.filter((q) => q.id === id).map((q) => q.answered)).toEqual([500, 0, 200]);
    verifiedAll(r.requests, endpoint.secret);
    expect(r.unique()).toHaveLength(3);
    let deliveries: any[] = [];
    for (let i = 0; i < 100 && !(deliveries.length === 3 && deliveries.every((d) => d.status === 'delivered')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      deliveries = (await t.http.get(`/organization/webhook-endpoints/${endpoint.id}/deliveries`).set(KEY, key)).body.deliveries;
    }
    for (const delivery of deliveries) expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200, error: null });
  }, 30_000);

  it('a receiver that hangs slows neither dialing nor the API', async () => {
    const [plain, hooked] = [await org(5), await org(5)];
    const r = await receiver();
    r.behaviour = () => ({ status: 200, delayMs: 5_000 }); // past the 1 s timeout: every attempt hangs until then
    const endpoint = await createEndpoint(hooked, { url: r.url });
    const makespan = async (key: string, requestId: string) => {
      const started = Date.now();
      expect((await t.http.post('/call').set(KEY, key).send(campaign(requestId, 60))).status).toBe(200);
      await t.waitForStatus(key, requestId, 'completed', 30_000);
      return Date.now() - started;
    };
    const without = await makespan(plain, 'no-callbacks');
    const withHangingReceiver = await makespan(hooked, 'hanging-receiver');
    const started = Date.now();
    expect((await t.http.get('/campaigns').set(KEY, hooked)).status).toBe(200);
    const apiMs = Date.now() - started;
    expect(r.requests.length).toBeGreaterThan(0); // deliveries were hanging meanwhile
    // Same limit, same calls: within noise of the run without callbacks.
    expect(withHangingReceiver).toBeLessThan(without * 1.5 + 500);
    expect(apiMs).toBeLessThan(500);
    // Its retries would occupy the deliverer in the next test.
    expect((await t.http.delete(`/organization/webhook-endpoints/${endpoint.id}`).set(KEY, hooked)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  }, 60_000);

  it("a receiver that hangs holds at most its share of the deliverer: another organization's events go on", async () => {
    const [slowKey, fastKey] = [await org(10), await org(10)];
    const [slow, fast] = [await receiver(), await receiver()];
    slow.behaviour = () => ({ status: 200, delayMs: 5_000 }); // each attempt holds a slot for the 1 s timeout
    const slowEndpoint = await createEndpoint(slowKey, { url: slow.url, events: ['call.completed'] });
    await createEndpoint(fastKey, { url: fast.url, events: ['call.completed'] });
    expect((await t.http.post('/call').set(KEY, slowKey).send(campaign('backlog', 60))).status).toBe(200);
    await t.waitForStatus(slowKey, 'backlog');
    await slow.waitFor((r) => r.requests.length >= 5);
    // 60 events, 5 at a time: 12 s for the slow endpoint's first attempts; the other organization's arrive meanwhile.
    const started = Date.now();
    expect((await t.http.post('/call').set(KEY, fastKey).send(campaign('beside-backlog', 10))).status).toBe(200);
    await fast.waitFor((r) => r.unique().length === 10, 5_000);
    const fastMs = Date.now() - started;
    expect(fastMs).toBeLessThan(3_000);
    expect(slow.requests.length).toBeLessThan(60);
    expect((await t.http.delete(`/organization/webhook-endpoints/${slowEndpoint.id}`).set(KEY, slowKey)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  }, 60_000);

  // Last: moves the app's clock 5 days forward.
  it('a receiver that keeps failing: the delivery fails after the schedule, keeps 1 KB of the answer, is retried by hand; the endpoint is disabled after 5 days', async () => {
    const key = await org();
    const r = await receiver();
    r.behaviour = () => ({ status: 503, body: 'x'.repeat(5_000) });
    const endpoint = await createEndpoint(key, { url: r.url, events: ['campaign.completed'] });
    expect((await t.http.post('/call').set(KEY, key).send(campaign('failing', 1))).status).toBe(200);
    await r.waitFor((x) => x.requests.length === 5); // 1 + 4 retries of the schedule
    const deliveriesUrl = `/organization/webhook-endpoints/${endpoint.id}/deliveries`;
    let deliveries: any[] = [];
    for (let i = 0; i < 100 && deliveries[0]?.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      deliveries = (await t.http.get(deliveriesUrl).set(KEY, key)).body.deliveries;
    }
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ event: 'campaign.completed', status: 'failed', attempts: 5, responseStatus: 503, nextAttemptAt: null, error: 'answered 503' });
    expect(Buffer.byteLength(deliveries[0].responseBody)).toBe(1024);
    expect(new Set(r.requests.map((q) => q.id)).size).toBe(1);
    const failing = (await t.http.get(`/organization/webhook-endpoints/${endpoint.id}`).set(KEY, key)).body;
    expect(failing).toMatchObject({ enabled: true });
    expect(failing.failingSince).not.toBeNull();

    // Five days later, one more failure disables it.
    t.app.get(Clock).advance(5 * DAY_MS + 60_000);
    const retried = await t.http.post(`${deliveriesUrl}/${deliveries[0].id}/retry`).set(KEY, key);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: deliveries[0].id, status: 'pending' });
    await r.waitFor((x) => x.requests.length === 6);
    let shown: any = {};
    for (let i = 0; i < 100 && shown.enabled !== false; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      shown = (await t.http.get(`/organization/webhook-endpoints/${endpoint.id}`).set(KEY, key)).body;
    }
    expect(shown).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^every delivery failed since /) });
    expect((await t.http.get('/organization/webhook-endpoints').set(KEY, key)).body.endpoints[0].enabled).toBe(false);
    expect((await t.http.post(`${deliveriesUrl}/${deliveries[0].id}/retry`).set(KEY, key)).status).toBe(409);

    // Enabled again by hand, it gets a clean slate.
    const enabled = await t.http.patch(`/organization/webhook-endpoints/${endpoint.id}`).set(KEY, key).send({ enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, failingSince: null });
  }, 30_000);

  // After the test above (the clock is 5 days ahead): retention is 10 days in this app.
  it('events past the retention, with all their deliveries done, are deleted; one still pending is kept', async () => {
    const key = await org();
    const [done, waiting] = [await receiver(), await receiver()];
    waiting.behaviour = () => ({ status: 500 });
    const kept = await createEndpoint(key, { url: done.url, events: ['campaign.completed'] });
    const pending = await createEndpoint(key, { url: waiting.url, events: ['campaign.completed'] });
    expect((await t.http.post('/call').set(KEY, key).send(campaign('pruned', 1))).status).toBe(200);
    await done.waitFor((r) => r.unique().length === 1);
    await waiting.waitFor((r) => r.requests.length === 5); // its schedule is over: failed, done too
    const total = async (endpointId: string) => (await t.http.get(`/organization/webhook-endpoints/${endpointId}/deliveries`).set(KEY, key)).body.pagination.total;
    expect(await total(kept.id)).toBe(1);
    // A delivery of the same event waiting again (retried by hand while its receiver fails) keeps the event.
    // Its last failure is recorded once the receiver's answer is in, a moment after the receiver saw the request.
    const failed = await until('the failure recorded', async () => {
      const [delivery] = (await t.http.get(`/organization/webhook-endpoints/${pending.id}/deliveries`).set(KEY, key)).body.deliveries;
      return delivery?.status === 'failed' ? delivery : undefined;
    });
    t.app.get(Clock).advance(6 * DAY_MS); // 11 days after the event
    waiting.behaviour = () => ({ status: 500, delayMs: 800 }); // the manual retry stays in flight for a while
    expect((await t.http.post(`/organization/webhook-endpoints/${pending.id}/deliveries/${failed.id}/retry`).set(KEY, key)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await total(kept.id)).toBe(1);
    // Once that attempt is over (failed for good), the event goes, with both deliveries.
    for (let i = 0; i < 100 && (await total(kept.id)) !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await total(kept.id)).toBe(0);
    expect(await total(pending.id)).toBe(0);
  }, 30_000);
});
