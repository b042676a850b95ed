import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CallEventsService } from '../src/dispatcher/call-events.service';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const phoneOf = (i: number) => `+659200${String(i).padStart(4, '0')}`;

/** Two destinations; a play then a gather, so a call has steps to report. */
const campaign = (requestId: string, count = 2) => ({
  requestId,
  destinations: Array.from({ length: count }, (_, i) => ({ phone: phoneOf(i), caller: CALLER, properties: { name: `N${i}` } })),
  callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
});

/**
 * The SQL each HTTP request runs, recorded per request: the app runs in this process, so every pg query made
 * while a request is handled is seen here with that request's tag (AsyncLocalStorage), and the background
 * work (dispatcher, scheduler, reconciler) is not.
 */
function recordRequestSql(t: TestApp): { during<T>(tag: string, work: () => Promise<T>): Promise<T>; sql(tag: string): string[] } {
  const store = new AsyncLocalStorage<string>();
  const statements = new Map<string, string[]>();
  const server = t.app.getHttpServer();
  const listeners = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  let current: string | null = null;
  server.on('request', (req: unknown, res: unknown) => store.run(current ?? '', () => listeners.forEach((listener) => listener.call(server, req, res))));
  const original = Client.prototype.query;
  (Client.prototype as any).query = function (this: Client, ...args: any[]) {
    const tag = store.getStore();
    if (tag) statements.get(tag)?.push(typeof args[0] === 'string' ? args[0] : args[0]?.text ?? '');
    return (original as any).apply(this, args);
  };
  return {
    async during(tag, work) {
      statements.set(tag, []);
      current = tag;
      try {
        return await work();
      } finally {
        current = null;
      }
    },
    sql: (tag) => statements.get(tag) ?? [],
  };
}

describe('cheap polling: strong ETags and 304s on the status, timeline, funnel, campaigns and usage routes', () => {
  let t: TestApp;
  let apiKey: string;
  let orgId: string;
  let otherKey: string;
  let db: DataSource;
  let events: CallEventsService;
  let recorder: ReturnType<typeof recordRequestSql>;

  beforeAll(async () => {
    // No reconciler tick during the suite: the call claimed by hand below stays as the events leave it.
    t = await startTestApp({ simulatorScript: {}, config: { reconcileIntervalMs: 3_600_000 } });
    ({ apiKey, id: orgId } = await t.createOrganization(1));
    otherKey = (await t.createOrganization(1)).apiKey;
    // Every slot is taken by other apps: nothing is dialed unless the suite claims a call itself.
    for (const key of [apiKey, otherKey]) await t.http.put('/organization/usage').set(KEY, key).send({ externalOngoingCalls: 1 }).expect(200);
    await t.http.post('/call').set(KEY, apiKey).send(campaign('held')).expect(200);
    await t.http.post('/call').set(KEY, otherKey).send(campaign('held')).expect(200);
    db = t.app.get(DataSource);
    events = t.app.get(CallEventsService);
    recorder = recordRequestSql(t);
  }, 60_000);
  afterAll(() => t.close());

  const get = (path: string, key = apiKey, ifNoneMatch?: string) => {
    const request = t.http.get(path).set(KEY, key);
    return ifNoneMatch === undefined ? request : request.set('If-None-Match', ifNoneMatch);
  };
  const ROUTES = ['/status/held', '/status/held/timeline', '/status/held/funnel', '/campaigns', '/organization/usage'];

  /** The funnel's ETag also moves every 5 s (its `at`): a check of it that straddled that moment runs again. */
  const within5s = async (route: string, check: () => Promise<void>) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await check();
      } catch (error) {
        if (!route.endsWith('/funnel') || attempt === 3) throw error;
      }
    }
  };

  it('answers a strong ETag with Cache-Control private, no-cache, and a 304 without a body to If-None-Match', async () => {
    for (const route of ROUTES) await within5s(route, async () => {
      const first = await get(route).expect(200);
      const etag = first.headers.etag;
      expect([route, etag]).toEqual([route, expect.stringMatching(/^"[A-Za-z0-9_-]{24}"$/)]);
      expect(first.headers['cache-control']).toBe('private, no-cache');
      expect(first.headers.vary).toMatch(/x-credential-api-key/i);
      const again = await get(route).expect(200);
      expect([route, again.headers.etag]).toEqual([route, etag]);
      expect(again.body).toEqual(first.body);

      const notModified = await get(route, apiKey, etag);
      expect([route, notModified.status, notModified.text ?? '']).toEqual([route, 304, '']);
      expect(notModified.headers.etag).toBe(etag);
      expect(notModified.headers['cache-control']).toBe('private, no-cache');
      // RFC 9110: `*`, a list, and a weak form of the same tag (If-None-Match compares weakly) all match.
      for (const header of ['*', `"nope", ${etag}`, `W/${etag}`, `${etag},"other"`]) expect([route, header, (await get(route, apiKey, header)).status]).toEqual([route, header, 304]);
      for (const header of ['"nope"', 'W/"nope"', etag.slice(1, -1), '']) expect([route, header, (await get(route, apiKey, header)).status]).toEqual([route, header, 200]);
    });
  });

  it('answers another ETag for another query, and for another organization', async () => {
    const etagOf = async (path: string, key = apiKey) => (await get(path, key).expect(200)).headers.etag as string;
    const status = [
      '/status/held',
      '/status/held?page=2',
      '/status/held?perPage=1',
      '/status/held?status=queued',
      '/status/held?outcome=busy',
      '/status/held?phone=0001',
    ];
    const tags = await Promise.all(status.map((path) => etagOf(path)));
    expect(new Set(tags).size).toBe(status.length);
    expect(await etagOf('/status/held?page=1&perPage=100')).toBe(tags[0]); // the same query spelled out
    expect(await etagOf('/status/held/timeline?bucketSeconds=10')).not.toBe(await etagOf('/status/held/timeline'));
    expect(await etagOf('/campaigns?perPage=1')).not.toBe(await etagOf('/campaigns'));

    // The other organization's campaign of the same requestId: its own ETag, and ours is no use there.
    for (const route of ROUTES) {
      const ours = await etagOf(route);
      const theirs = await get(route, otherKey, ours);
      expect([route, theirs.status]).toEqual([route, 200]);
      expect(theirs.headers.etag).not.toBe(ours);
    }
  });

  it("never answers 304 for another organization's campaign: a 404 as without the header", async () => {
    await t.http.post('/call').set(KEY, apiKey).send(campaign('ours-only', 1)).expect(200);
    for (const suffix of ['', '/timeline', '/funnel']) {
      const etag = (await get(`/status/ours-only${suffix}`).expect(200)).headers.etag;
      expect((await get(`/status/ours-only${suffix}`, otherKey, etag)).status).toBe(404);
      expect((await get(`/status/ours-only${suffix}`, otherKey, '*')).status).toBe(404);
    }
  });

  it('finds a 304 from the version alone: no query of the 304 reads the calls table', async () => {
    for (const route of ROUTES) {
      await within5s(route, async () => {
        const full = await recorder.during(`${route} 200`, () => get(route).expect(200));
        await recorder.during(`${route} 304`, () => get(route, apiKey, full.headers.etag).expect(304));
      });
      const conditional = recorder.sql(`${route} 304`);
      expect(conditional.length).toBeGreaterThan(0);
      expect([route, conditional.filter((sql) => /\bcalls\b/i.test(sql))]).toEqual([route, []]);
      // A campaign's 304 reads its version, not its whole row (the flow, the settings).
      if (route.startsWith('/status/')) expect([route, conditional.filter((sql) => /call_flow/.test(sql))]).toEqual([route, []]);
      // The key, the version (for the funnel also the organization's calls in progress), perhaps the key's last use.
      expect([route, conditional.length <= 4]).toEqual([route, true]);
    }
    // The recorder sees the calls and the whole campaign row when they are read: the full status page reads them.
    expect(recorder.sql('/status/held 200').some((sql) => /\bcalls\b/.test(sql))).toBe(true);
    expect(recorder.sql('/status/held 200').some((sql) => /call_flow/.test(sql))).toBe(true);
  });

  it('changes the ETag with PATCH, pause, resume, cancel of one destination, and a usage report', async () => {
    const tags = async () => Object.fromEntries(await Promise.all(ROUTES.map(async (route) => [route, (await get(route).expect(200)).headers.etag as string])));
    const changed = async (what: string, change: () => Promise<unknown>, routes: string[]) => {
      const before = await tags();
      await change();
      const after = await tags();
      for (const route of routes) {
        expect([what, route, after[route] === before[route]]).toEqual([what, route, false]);
        expect([what, route, (await get(route, apiKey, before[route])).status]).toEqual([what, route, 200]);
      }
      return after;
    };
    await changed('PATCH priority', () => t.http.patch('/status/held').set(KEY, apiKey).send({ priority: 9 }).expect(200), ['/status/held', '/status/held/funnel', '/campaigns']);
    await changed('PATCH weight', () => t.http.patch('/status/held').set(KEY, apiKey).send({ weight: 3 }).expect(200), ['/status/held', '/campaigns']);
    await changed('pause', () => t.http.post('/status/held/pause').set(KEY, apiKey).expect(200), ['/status/held', '/status/held/funnel', '/campaigns']);
    await changed('resume', () => t.http.post('/status/held/resume').set(KEY, apiKey).expect(200), ['/status/held', '/status/held/funnel', '/campaigns']);
    await changed('usage report', () => t.http.put('/organization/usage').set(KEY, apiKey).send({ externalOngoingCalls: 2 }).expect(200), [
      '/organization/usage',
      '/status/held/funnel', // its free slots
    ]);
    // Back to every slot taken (never one free: nothing may be dialed but the call the next test claims).
    await t.http.put('/organization/usage').set(KEY, apiKey).send({ externalOngoingCalls: 1 }).expect(200);
    await changed(
      'cancel one destination',
      () => t.http.post(`/status/held/destinations/${encodeURIComponent(phoneOf(1))}/cancel`).set(KEY, apiKey).expect(200),
      ['/status/held', '/status/held/timeline', '/status/held/funnel', '/campaigns', '/organization/usage'],
    );
  });

  it('changes the ETag as a call is claimed, rings, is answered, reports a step and ends', async () => {
    const tags = async () => Object.fromEntries(await Promise.all(ROUTES.map(async (route) => [route, (await get(route).expect(200)).headers.etag as string])));
    const [{ id: requestRowId }] = await db.query(`SELECT id FROM call_requests WHERE organization_id = $1 AND request_id = 'held'`, [orgId]);
    const versionOf = async () => Number((await db.query(`SELECT version FROM call_requests WHERE id = $1`, [requestRowId]))[0].version);

    let before = await tags();
    let version = await versionOf();
    const step = async (what: string, change: () => Promise<unknown>, routes: string[], see: (status: any) => void) => {
      await change();
      const after = await tags();
      expect([what, await versionOf() > version]).toEqual([what, true]);
      for (const route of routes) expect([what, route, (await get(route, apiKey, before[route])).status]).toEqual([what, route, 200]);
      see((await get('/status/held').expect(200)).body.details[0]);
      before = after;
      version = await versionOf();
    };

    // The claim as the dispatcher makes it (claim_calls), with a lease of the suite's own: no dial follows.
    let callId = '';
    await step(
      'claimed',
      async () => {
        const [claimed] = await db.query(`SELECT call_id FROM claim_calls($1, ARRAY['suite-lease'], ARRAY[]::text[], now())`, [orgId]);
        callId = claimed.call_id;
      },
      ROUTES,
      (detail) => expect(detail).toMatchObject({ callId, call_state: 'dialing', status: 'onProgress' }),
    );
    const at = new Date();
    await step('ringing', () => events.apply({ type: 'ringing', callId, at }), ['/status/held'], (detail) => expect(detail.call_state).toBe('ringing'));
    await step('answered', () => events.apply({ type: 'answered', callId, at }), ['/status/held'], (detail) => expect(detail.call_state).toBe('ongoing'));
    const play = { callId, at, seq: 0, stepName: 'play' as const, path: 'steps[0]', message: 'Hello N0' };
    await step('step started', () => events.apply({ type: 'step-started', ...play }), ['/status/held', '/status/held/funnel'], (detail) =>
      expect(detail.callFlowSteps[0].info.status).toBe('in_progress'),
    );
    await step('step finished', () => events.apply({ type: 'step-finished', ...play, status: 'success_ok' }), ['/status/held', '/status/held/funnel'], (detail) =>
      expect(detail.callFlowSteps[0].info.status).toBe('success_ok'),
    );
    await step(
      'ended',
      () => events.apply({ type: 'ended', callId, at: new Date(), outcome: 'answered' }, true),
      ['/status/held', '/status/held/timeline', '/status/held/funnel', '/campaigns', '/organization/usage'],
      (detail) => expect(detail).toMatchObject({ call_state: 'ended', call_status: 'answered' }),
    );

    // Unchanged since: 304 everywhere again.
    for (const route of ROUTES.filter((route) => !route.endsWith('/funnel'))) expect([route, (await get(route, apiKey, before[route])).status]).toEqual([route, 304]);
  });

  it('changes the ETag when a call’s whole-call recordings are stored (the trigger on calls.recordings)', async () => {
    const before = (await get('/status/held').expect(200)).headers.etag;
    await db.query(
      `UPDATE calls SET recordings = '[{"id": "r1", "status": "done", "duration": 3, "createdAt": null}]'::jsonb WHERE call_request_id = (SELECT id FROM call_requests WHERE organization_id = $1 AND request_id = 'held') AND destination_index = 0`,
      [orgId],
    );
    expect((await get('/status/held', apiKey, before)).status).toBe(200);
  });
});
