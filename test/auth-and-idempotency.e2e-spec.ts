import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';

type Raw = Record<string, any>;

const body = (requestId: string, destinations = 3, name = 'Alex'): Raw => ({
  requestId,
  destinations: Array.from({ length: destinations }, (_, i) => ({
    phone: `+659200${String(i).padStart(4, '0')}`,
    caller: '+6582674904',
    properties: { name: `${name} ${i}`, amount: `${i * 100}$` },
  })),
  enableCallRecording: false,
  callFlow: {
    steps: [
      { name: 'play', message: { msg: 'Hello {{name}}', lang: 'en', gender: 'female' } },
      {
        name: 'gather',
        message: { msg: 'You owe {{amount}}. Press 1 to talk to us.' },
        maxRetries: 2,
        branches: [
          { digit: '1', callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
          { default: 'true', callFlow: { steps: [{ name: 'play', message: { msg: 'Goodbye' } }] } },
        ],
      },
    ],
  },
});

/** The same document with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .reverse()
        .map((key) => [key, reverseKeys((value as Raw)[key])]),
    );
  }
  return value;
}

describe('authentication, organization isolation and idempotency', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Calls ring for a minute: everything accepted here stays queued or ringing while the file runs.
    t = await startTestApp({ simulatorScript: { default: { ringMs: 60_000 } }, simulatorSpeed: 1 });
  }, 30_000);
  afterAll(() => t.close());

  const usage = (apiKey: string) => t.http.get('/organization/usage').set(KEY, apiKey);
  const putUsage = (apiKey: string, payload: unknown) => t.http.put('/organization/usage').set(KEY, apiKey).send(payload as object);
  const submit = (apiKey: string, payload: unknown) => t.http.post('/call').set(KEY, apiKey).send(payload as object);
  const status = (apiKey: string, requestId: string) => t.http.get(`/status/${encodeURIComponent(requestId)}?perPage=1000`).set(KEY, apiKey);

  /** Polls GET /organization/usage until `accept` holds; fails with the last view after `timeoutMs`. */
  async function waitForUsage(apiKey: string, accept: (view: Raw) => boolean, timeoutMs = 10_000): Promise<Raw> {
    const deadline = Date.now() + timeoutMs;
    let last: Raw = {};
    while (Date.now() < deadline) {
      const response = await usage(apiKey);
      expect(response.status).toBe(200);
      last = response.body;
      if (accept(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`usage did not reach the expected state within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  /** An organization whose slots are all taken by other apps, so that nothing it submits is ever dialed. */
  async function saturatedOrganization(limit = 2): Promise<string> {
    const { apiKey } = await t.createOrganization(limit);
    const response = await putUsage(apiKey, { externalOngoingCalls: limit });
    expect(response.status).toBe(200);
    expect(response.body.free).toBe(0);
    return apiKey;
  }

  const expectConsistent = (view: Raw) => {
    expect(Object.keys(view).sort()).toEqual(['externalOngoingCalls', 'externalSource', 'free', 'limit', 'ongoingCalls', 'queuedCalls']);
    expect(view.free).toBe(Math.max(0, view.limit - view.externalOngoingCalls - view.ongoingCalls));
  };

  describe('API key', () => {
    let apiKey: string;
    beforeAll(async () => {
      ({ apiKey } = await t.createOrganization(2));
    });

    const routes: [string, (key: string | undefined) => any][] = [
      ['POST /call', (key) => (key === undefined ? t.http.post('/call') : t.http.post('/call').set(KEY, key)).send(body('auth-probe'))],
      ['GET /status/:requestId', (key) => (key === undefined ? t.http.get('/status/auth-probe') : t.http.get('/status/auth-probe').set(KEY, key))],
      ['GET /organization/usage', (key) => (key === undefined ? t.http.get('/organization/usage') : t.http.get('/organization/usage').set(KEY, key))],
      [
        'PUT /organization/usage',
        (key) => (key === undefined ? t.http.put('/organization/usage') : t.http.put('/organization/usage').set(KEY, key)).send({ externalOngoingCalls: 1 }),
      ],
    ];

    it.each(routes)('%s without a key is 401 unauthorized', async (_route, call) => {
      const response = await call(undefined);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ status: 'unauthorized', message: expect.stringContaining(KEY) });
    });

    it.each(routes)('%s with an empty key is 401 unauthorized', async (_route, call) => {
      const response = await call('');
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ status: 'unauthorized', message: expect.any(String) });
    });

    it.each(routes)('%s with an unknown key is 401 unauthorized', async (_route, call) => {
      const response = await call(`${apiKey}x`);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ status: 'unauthorized', message: expect.any(String) });
    });

    it('refused requests changed nothing', async () => {
      expect((await status(apiKey, 'auth-probe')).status).toBe(404);
      const view = (await usage(apiKey)).body;
      expect(view).toEqual({ limit: 2, externalOngoingCalls: 0, externalSource: 'reported', ongoingCalls: 0, free: 2, queuedCalls: 0 });
    });

    it('accepts the key', async () => {
      const response = await usage(apiKey);
      expect(response.status).toBe(200);
      expect(response.body.limit).toBe(2);
    });
  });

  describe('organizations are isolated', () => {
    let keyA: string;
    let keyB: string;
    let campaignA: Raw;

    beforeAll(async () => {
      keyA = await saturatedOrganization();
      keyB = await saturatedOrganization();
      const response = await submit(keyA, body('shared-request', 2, 'A'));
      expect(response.status).toBe(200);
      campaignA = response.body;
    });

    it("answers 404, not 403, for another organization's campaign", async () => {
      const forB = await status(keyB, 'shared-request');
      expect(forB.status).toBe(404);
      expect(forB.body).toEqual({ status: 'not_found', message: 'No call request "shared-request"' });
      const missing = await status(keyB, 'never-submitted');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ status: 'not_found', message: 'No call request "never-submitted"' });
    });

    it("lets another organization use the same requestId for its own campaign", async () => {
      const forB = await submit(keyB, body('shared-request', 3, 'B'));
      expect(forB.status).toBe(200);
      expect(forB.body).toMatchObject({ requestId: 'shared-request', status: 'submitted', summary: { total: 3 } });
      const idsA = campaignA.details.map((d: Raw) => d.callId);
      const idsB = forB.body.details.map((d: Raw) => d.callId);
      expect(idsB).toHaveLength(3);
      expect(idsB.filter((id: string) => idsA.includes(id))).toEqual([]);

      const nowA = await status(keyA, 'shared-request');
      expect(nowA.status).toBe(200);
      expect(nowA.body.summary.total).toBe(2);
      expect(nowA.body.details.map((d: Raw) => d.callId)).toEqual(idsA);
      const nowB = await status(keyB, 'shared-request');
      expect(nowB.body.summary.total).toBe(3);
      expect(nowB.body.details.map((d: Raw) => d.callId)).toEqual(idsB);

      expect((await usage(keyA)).body.queuedCalls).toBe(2);
      expect((await usage(keyB)).body.queuedCalls).toBe(3);
    });
  });

  describe('idempotency', () => {
    let apiKey: string;
    let first: Raw;
    const original = body('idem-1', 3);

    beforeAll(async () => {
      apiKey = await saturatedOrganization();
      const response = await submit(apiKey, original);
      expect(response.status).toBe(200);
      first = response.body;
    });

    it('creates the campaign once', () => {
      expect(first).toMatchObject({ requestId: 'idem-1', status: 'submitted', summary: { total: 3, queued: 3 } });
      expect(first.details).toHaveLength(3);
    });

    it('answers a resubmission of the same body with the same campaign and no new calls', async () => {
      const again = await submit(apiKey, original);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first);
      expect((await usage(apiKey)).body.queuedCalls).toBe(3);
    });

    it('treats the same body with keys in another order as the same body', async () => {
      const reordered = reverseKeys(original) as Raw;
      expect(Object.keys(reordered)[0]).toBe('callFlow');
      const again = await submit(apiKey, reordered);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe(first.status);
      expect(again.body.summary.total).toBe(3);
      expect(again.body.details.map((d: Raw) => d.callId)).toEqual(first.details.map((d: Raw) => d.callId));
      expect((await usage(apiKey)).body.queuedCalls).toBe(3);
    });

    it('treats an omitted enableCallRecording as false', async () => {
      const { enableCallRecording: _omitted, ...withoutFlag } = original;
      const again = await submit(apiKey, withoutFlag);
      expect(again.status).toBe(200);
      expect(again.body.details.map((d: Raw) => d.callId)).toEqual(first.details.map((d: Raw) => d.callId));
    });

    it.each([
      ['a property', (b: Raw) => (b.destinations[1].properties.name = 'Someone else')],
      ['a destination less', (b: Raw) => b.destinations.pop()],
      ['the call flow', (b: Raw) => (b.callFlow.steps[0].message.msg = 'Hi {{name}}')],
      ['enableCallRecording', (b: Raw) => (b.enableCallRecording = true)],
    ])('answers 409 conflict to the same requestId with a different body (%s)', async (_what, change) => {
      const changed = JSON.parse(JSON.stringify(original));
      change(changed);
      const response = await submit(apiKey, changed);
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ status: 'conflict', message: expect.stringContaining('idem-1') });
      const after = await status(apiKey, 'idem-1');
      expect(after.body.summary.total).toBe(3);
      expect(after.body.details.map((d: Raw) => d.callId)).toEqual(first.details.map((d: Raw) => d.callId));
      expect((await usage(apiKey)).body.queuedCalls).toBe(3);
    });

    it('checks the body before the requestId: an invalid resubmission is a 400, not a 409', async () => {
      const invalid = JSON.parse(JSON.stringify(original));
      invalid.destinations[0].phone = 'not a phone';
      const response = await submit(apiKey, invalid);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'destinations[0].phone', message: expect.any(String) }]);
    });

    it('creates one campaign from two identical submissions sent at the same time', async () => {
      const before = (await usage(apiKey)).body.queuedCalls;
      const concurrent = body('idem-concurrent', 4);
      const responses = await Promise.all([submit(apiKey, concurrent), submit(apiKey, concurrent)]);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      const [a, b] = responses.map((r) => r.body);
      expect(a.requestId).toBe('idem-concurrent');
      expect(a.summary.total).toBe(4);
      expect(b.summary.total).toBe(4);
      expect(b.details.map((d: Raw) => d.callId)).toEqual(a.details.map((d: Raw) => d.callId));
      expect((await usage(apiKey)).body.queuedCalls).toBe(before + 4);
    });

    it('creates one campaign from five identical submissions sent at the same time', async () => {
      const before = (await usage(apiKey)).body.queuedCalls;
      const concurrent = body('idem-concurrent-5', 2);
      const responses = await Promise.all(Array.from({ length: 5 }, () => submit(apiKey, concurrent)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const ids = responses.map((r) => JSON.stringify(r.body.details.map((d: Raw) => d.callId)));
      expect(new Set(ids).size).toBe(1);
      expect((await usage(apiKey)).body.queuedCalls).toBe(before + 2);
    });

    it('answers one 200 and one 409 to two different bodies with the same requestId sent at the same time', async () => {
      const responses = await Promise.all([submit(apiKey, body('idem-race', 1, 'one')), submit(apiKey, body('idem-race', 1, 'two'))]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(responses.find((r) => r.status === 409)!.body.status).toBe('conflict');
      const stored = await status(apiKey, 'idem-race');
      expect(stored.body.summary.total).toBe(1);
    });
  });

  describe('PUT /organization/usage', () => {
    it.each([
      ['-1', { externalOngoingCalls: -1 }],
      ['a string', { externalOngoingCalls: 'two' }],
      ['a numeric string', { externalOngoingCalls: '2' }],
      ['a fraction', { externalOngoingCalls: 1.5 }],
      ['null', { externalOngoingCalls: null }],
      ['nothing', {}],
    ])('refuses %s with 400 naming externalOngoingCalls', async (_what, payload) => {
      const { apiKey } = await t.createOrganization(4);
      const response = await putUsage(apiKey, payload);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ status: 'bad_request', message: expect.stringContaining('externalOngoingCalls'), errors: expect.any(Array), errorCount: response.body.errors.length });
      expect(response.body.errors.length).toBeGreaterThan(0);
      expect(new Set(response.body.errors.map((e: Raw) => e.field))).toEqual(new Set(['externalOngoingCalls']));
      expect((await usage(apiKey)).body).toEqual({ limit: 4, externalOngoingCalls: 0, externalSource: 'reported', ongoingCalls: 0, free: 4, queuedCalls: 0 });
    });

    it('refuses a body that is not JSON with 415', async () => {
      const { apiKey } = await t.createOrganization(4);
      const response = await t.http.put('/organization/usage').set(KEY, apiKey).set('content-type', 'text/plain').send('{"externalOngoingCalls": 1}');
      expect(response.status).toBe(415);
      expect(response.body.status).toBe('unsupported_media_type');
      expect((await usage(apiKey)).body.externalOngoingCalls).toBe(0);
    });

    it('stores the value and reports consistent usage; free never goes below 0', async () => {
      const { apiKey } = await t.createOrganization(5);
      expect((await usage(apiKey)).body).toEqual({ limit: 5, externalOngoingCalls: 0, externalSource: 'reported', ongoingCalls: 0, free: 5, queuedCalls: 0 });

      const two = await putUsage(apiKey, { externalOngoingCalls: 2 });
      expect(two.status).toBe(200);
      expect(two.body).toMatchObject({ limit: 5, externalOngoingCalls: 2, queuedCalls: 0 });
      expectConsistent(two.body);
      expect(await waitForUsage(apiKey, (v) => v.ongoingCalls === 0)).toEqual({ limit: 5, externalOngoingCalls: 2, externalSource: 'reported', ongoingCalls: 0, free: 3, queuedCalls: 0 });

      const over = await putUsage(apiKey, { externalOngoingCalls: 9 });
      expect(over.status).toBe(200);
      expect(over.body).toEqual({ limit: 5, externalOngoingCalls: 9, externalSource: 'reported', ongoingCalls: 0, free: 0, queuedCalls: 0 });
      expect((await usage(apiKey)).body).toEqual(over.body);

      const zero = await putUsage(apiKey, { externalOngoingCalls: 0 });
      expect(zero.status).toBe(200);
      expect(zero.body).toMatchObject({ limit: 5, externalOngoingCalls: 0, queuedCalls: 0 });
      expectConsistent(zero.body);
      expect(await waitForUsage(apiKey, (v) => v.ongoingCalls === 0)).toEqual({ limit: 5, externalOngoingCalls: 0, externalSource: 'reported', ongoingCalls: 0, free: 5, queuedCalls: 0 });
    });

    it('never reports ongoing calls for an organization that has no calls at all', async () => {
      // Each PUT wakes the dispatcher; whatever it does with no queued calls must not show up as ongoing calls.
      const { apiKey } = await t.createOrganization(5);
      const views: Raw[] = [];
      for (let round = 0; round < 40; round++) {
        const responses = await Promise.all([putUsage(apiKey, { externalOngoingCalls: round % 3 }), ...Array.from({ length: 5 }, () => usage(apiKey))]);
        for (const response of responses) {
          expect(response.status).toBe(200);
          views.push(response.body);
        }
      }
      expect(views).toHaveLength(240);
      const phantom = views.filter((v) => v.ongoingCalls !== 0 || v.queuedCalls !== 0);
      expect({ phantomViews: phantom.length, examples: phantom.slice(0, 2) }).toEqual({ phantomViews: 0, examples: [] });
      for (const view of views) expect(view.free).toBe(5 - view.externalOngoingCalls);
    });

    it('counts our own ongoing and queued calls, and uses slots freed by other apps at once', async () => {
      const { apiKey } = await t.createOrganization(3);
      expect((await putUsage(apiKey, { externalOngoingCalls: 1 })).status).toBe(200);
      const submitted = await submit(apiKey, body('usage-campaign', 5));
      expect(submitted.status).toBe(200);

      // 3 slots - 1 external = 2 of our calls ringing, 3 queued
      const busy = await waitForUsage(apiKey, (v) => v.ongoingCalls === 2 && v.queuedCalls === 3);
      expect(busy).toEqual({ limit: 3, externalOngoingCalls: 1, externalSource: 'reported', ongoingCalls: 2, free: 0, queuedCalls: 3 });

      // the other app hangs up: its slot goes to one more of our calls
      const freed = await putUsage(apiKey, { externalOngoingCalls: 0 });
      expect(freed.status).toBe(200);
      expectConsistent(freed.body);
      const after = await waitForUsage(apiKey, (v) => v.ongoingCalls === 3 && v.queuedCalls === 2);
      expect(after).toEqual({ limit: 3, externalOngoingCalls: 0, externalSource: 'reported', ongoingCalls: 3, free: 0, queuedCalls: 2 });

      // the other app takes calls again: ours keep their slots, free stays at 0, nothing more is released
      const crowded = await putUsage(apiKey, { externalOngoingCalls: 2 });
      expect(crowded.body).toEqual({ limit: 3, externalOngoingCalls: 2, externalSource: 'reported', ongoingCalls: 3, free: 0, queuedCalls: 2 });
      const campaign = await status(apiKey, 'usage-campaign');
      expect(campaign.body.summary).toMatchObject({ total: 5, queued: 2, inProgress: 3 });
    });
  });
});
