import { startMessageBirdTestApp, MessageBirdTestApp } from './support/messagebird-double/messagebird-test-app';

/**
 * Issue 7, item 8: every route of the app, read from its router at run time (with VOICE_PROVIDER=messagebird,
 * so that the webhook and recording routes exist too), is in the table below. A route that is not
 * fails the test: a new route has to say how it treats another organization's key.
 * - `foreign`: names organization A's resource; B's key gets a 404 (as for one that does not exist);
 * - `own`: organization-wide; B's key works on B's own data, which must show nothing of A's;
 * - `public`: needs no API key (and is listed with why).
 * Every route that is not public answers 401 without a key and with an unknown one.
 */
const KEY = 'x-credential-api-key';

type Http = MessageBirdTestApp['http'];
interface Ctx {
  requestId: string;
  phone: string;
  callId: string;
  dncPhone: string;
  createdAtOfA?: string;
  /** A's webhook endpoint (subscribed to an event its campaign never has: nothing is sent). */
  endpointId: string;
  /** A's saved call flow. */
  callFlowId: string;
  /** A's API key (its id) and B's read key. */
  apiKeyIdOfA: string;
  readKeyOfB: string;
}
type Send = (http: Http, c: Ctx) => ReturnType<Http['get']>;
type Route =
  | { kind: 'foreign'; send: Send }
  | { kind: 'own'; send: Send; status: number; check?: (body: any, c: Ctx) => void }
  /** `status`: what it answers without its own credential when that is not a 2xx/3xx (the webhooks want MessageBird's signature). */
  | { kind: 'public'; why: string; status?: number };

const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const body = (requestId: string, name: string) => ({ requestId, enableCallRecording: true, destinations: [{ phone: '+6588893322', caller: '+6582674904', properties: { name } }], callFlow: flow });
const enc = encodeURIComponent;

const ROUTES: Record<string, Route> = {
  // A's requestId with another body: B's own new campaign, not a 409 about A's.
  'POST /call': { kind: 'own', status: 200, send: (h, c) => h.post('/call').send(body(`${c.requestId}-a`, 'B')), check: (b) => expect(b.summary.total).toBe(1) },
  'POST /call/csv': {
    kind: 'own',
    status: 200,
    send: (h, c) => h.post('/call/csv').field('requestId', `${c.requestId}-csv`).field('callFlow', JSON.stringify(flow)).attach('file', Buffer.from('phone,caller,name\n+6588893322,+6582674904,B\n'), 'b.csv'),
  },
  'GET /status/:requestId': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a`) },
  'PATCH /status/:requestId': { kind: 'foreign', send: (h, c) => h.patch(`/status/${enc(c.requestId)}-a`).send({ priority: 7 }) },
  'GET /status/:requestId/timeline': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/timeline`) },
  'GET /status/:requestId/export.csv': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/export.csv`) },
  'GET /status/:requestId/funnel': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/funnel`) },
  'POST /status/:requestId/pause': { kind: 'foreign', send: (h, c) => h.post(`/status/${enc(c.requestId)}-a/pause`) },
  'POST /status/:requestId/resume': { kind: 'foreign', send: (h, c) => h.post(`/status/${enc(c.requestId)}-a/resume`) },
  'POST /status/:requestId/cancel': { kind: 'foreign', send: (h, c) => h.post(`/status/${enc(c.requestId)}-a/cancel?hangup=true`) },
  'DELETE /call/:requestId': { kind: 'foreign', send: (h, c) => h.delete(`/call/${enc(c.requestId)}-a?hangup=true`) },
  'POST /status/:requestId/destinations/:phone/cancel': { kind: 'foreign', send: (h, c) => h.post(`/status/${enc(c.requestId)}-a/destinations/${enc(c.phone)}/cancel?hangup=true`) },
  'GET /status/:requestId/calls/:callId/recordings': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/calls/${c.callId}/recordings`) },
  'GET /status/:requestId/calls/:callId/recordings/:file': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/calls/${c.callId}/recordings/r1.wav`) },
  'GET /status/:requestId/calls/:callId/steps/:seq/recording.wav': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/calls/${c.callId}/steps/0/recording.wav`) },
  'GET /status/:requestId/calls/:callId/steps/:seq/transcription': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/calls/${c.callId}/steps/0/transcription`) },
  'GET /status/:requestId/calls/:callId/steps/:seq/transcription.txt': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/calls/${c.callId}/steps/0/transcription.txt`) },
  'DELETE /organization/dnc/:phone': { kind: 'foreign', send: (h, c) => h.delete(`/organization/dnc/${enc(c.dncPhone)}`) },
  'POST /call-flows': { kind: 'own', status: 201, send: (h) => h.post('/call-flows').send({ title: 'B', callFlow: flow }), check: (b, c) => expect(b.id).not.toBe(c.callFlowId) },
  'GET /call-flows': { kind: 'own', status: 200, send: (h) => h.get('/call-flows'), check: (b, c) => expect(b.items.map((f: any) => f.id)).not.toContain(c.callFlowId) },
  'GET /call-flows/:id': { kind: 'foreign', send: (h, c) => h.get(`/call-flows/${c.callFlowId}?version=1`) },
  'PUT /call-flows/:id': { kind: 'foreign', send: (h, c) => h.put(`/call-flows/${c.callFlowId}`).send({ title: 'B was here', callFlow: flow }) },
  'DELETE /call-flows/:id': { kind: 'foreign', send: (h, c) => h.delete(`/call-flows/${c.callFlowId}`) },
  // A's flow by its id, in a preview: as unknown as any other id.
  'POST /call-flows/preview': { kind: 'foreign', send: (h, c) => h.post('/call-flows/preview').send({ callFlowId: c.callFlowId, properties: { name: 'B' } }) },
  'POST /call-flows/preview.wav': { kind: 'foreign', send: (h, c) => h.post('/call-flows/preview.wav').send({ callFlowId: c.callFlowId, properties: { name: 'B' } }) },
  'GET /call-flows/:id/preview.wav': { kind: 'foreign', send: (h, c) => h.get(`/call-flows/${c.callFlowId}/preview.wav?properties=${enc('{"name":"B"}')}`) },
  // B's own two campaigns (one under A's requestId), not A's.
  'GET /campaigns': {
    kind: 'own',
    status: 200,
    send: (h) => h.get('/campaigns'),
    check: (b, c) => {
      expect(b.campaigns.map((x: any) => x.requestId).sort()).toEqual([`${c.requestId}-a`, `${c.requestId}-csv`]);
      expect(b.campaigns.map((x: any) => x.createdAt)).not.toContain(c.createdAtOfA);
    },
  },
  'POST /organization/api-keys': { kind: 'own', status: 201, send: (h) => h.post('/organization/api-keys').send({ name: 'b-ci', scope: 'write' }), check: (b, c) => expect(b.id).not.toBe(c.apiKeyIdOfA) },
  'GET /organization/api-keys': { kind: 'own', status: 200, send: (h) => h.get('/organization/api-keys'), check: (b, c) => expect(b.apiKeys.map((k: any) => k.id)).not.toContain(c.apiKeyIdOfA) },
  'DELETE /organization/api-keys/:id': { kind: 'foreign', send: (h, c) => h.delete(`/organization/api-keys/${c.apiKeyIdOfA}`) },
  'GET /organization/usage': { kind: 'own', status: 200, send: (h) => h.get('/organization/usage'), check: (b) => expect(b.limit).toBe(7) },
  'PUT /organization/usage': { kind: 'own', status: 200, send: (h) => h.put('/organization/usage').send({ externalOngoingCalls: 2 }), check: (b) => expect(b.limit).toBe(7) },
  'GET /organization/settings': { kind: 'own', status: 200, send: (h) => h.get('/organization/settings'), check: (b) => expect(b.callsPerSecond ?? null).not.toBe(3) },
  'PUT /organization/settings': { kind: 'own', status: 200, send: (h) => h.put('/organization/settings').send({ callsPerSecond: 9 }) },
  'GET /organization/dnc': { kind: 'own', status: 200, send: (h) => h.get('/organization/dnc'), check: (b, c) => expect(b.numbers.map((n: any) => n.phone)).not.toContain(c.dncPhone) },
  'POST /organization/dnc': { kind: 'own', status: 200, send: (h) => h.post('/organization/dnc').send({ phones: ['+6590000001'] }) },
  'POST /organization/dnc/csv': { kind: 'own', status: 200, send: (h) => h.post('/organization/dnc/csv').attach('file', Buffer.from('phone\n+6590000002\n'), 'dnc.csv') },
  'POST /organization/webhook-endpoints': {
    kind: 'own',
    status: 201,
    send: (h) => h.post('/organization/webhook-endpoints').send({ url: 'https://93.184.215.14/b', events: ['campaign.paused'] }),
    check: (b, c) => expect(b.id).not.toBe(c.endpointId),
  },
  'GET /organization/webhook-endpoints': {
    kind: 'own',
    status: 200,
    send: (h) => h.get('/organization/webhook-endpoints'),
    check: (b, c) => expect(b.endpoints.map((e: any) => e.id)).not.toContain(c.endpointId),
  },
  'GET /organization/webhook-endpoints/:id': { kind: 'foreign', send: (h, c) => h.get(`/organization/webhook-endpoints/${c.endpointId}`) },
  'PATCH /organization/webhook-endpoints/:id': { kind: 'foreign', send: (h, c) => h.patch(`/organization/webhook-endpoints/${c.endpointId}`).send({ description: 'B was here' }) },
  'DELETE /organization/webhook-endpoints/:id': { kind: 'foreign', send: (h, c) => h.delete(`/organization/webhook-endpoints/${c.endpointId}`) },
  'POST /organization/webhook-endpoints/:id/rotate-secret': { kind: 'foreign', send: (h, c) => h.post(`/organization/webhook-endpoints/${c.endpointId}/rotate-secret`) },
  'GET /organization/webhook-endpoints/:id/deliveries': { kind: 'foreign', send: (h, c) => h.get(`/organization/webhook-endpoints/${c.endpointId}/deliveries`) },
  'POST /organization/webhook-endpoints/:id/deliveries/:deliveryId/retry': {
    kind: 'foreign',
    send: (h, c) => h.post(`/organization/webhook-endpoints/${c.endpointId}/deliveries/00000000-0000-4000-8000-000000000000/retry`),
  },
  'GET /status/:requestId/status-callbacks': { kind: 'foreign', send: (h, c) => h.get(`/status/${enc(c.requestId)}-a/status-callbacks`) },
  'POST /status/:requestId/status-callbacks/:deliveryId/retry': {
    kind: 'foreign',
    send: (h, c) => h.post(`/status/${enc(c.requestId)}-a/status-callbacks/00000000-0000-4000-8000-000000000000/retry`),
  },
  // B's own secret (A's is never shown again after its creation).
  'POST /organization/status-callback-secret': { kind: 'own', status: 201, send: (h) => h.post('/organization/status-callback-secret') },
  'GET /health': { kind: 'public', why: 'load balancers probe it' },
  'GET /docs': { kind: 'public', why: 'OpenAPI (Swagger UI)' },
  'GET /docs/': { kind: 'public', why: 'OpenAPI (Swagger UI)' },
  'GET /docs/index.html': { kind: 'public', why: 'OpenAPI (Swagger UI)' },
  'GET /docs/LICENSE': { kind: 'public', status: 404, why: "Swagger UI's route that hides swagger-ui-dist's license file" },
  'GET /docs/swagger-ui-init.js': { kind: 'public', why: 'OpenAPI (Swagger UI)' },
  'GET /docs/docs/swagger-ui-init.js': { kind: 'public', why: 'OpenAPI (Swagger UI)' },
  'GET /docs-json': { kind: 'public', why: 'OpenAPI document' },
  'GET /docs-yaml': { kind: 'public', why: 'OpenAPI document' },
  'GET /': { kind: 'public', why: 'redirects to the dashboard' },
  'GET /dashboard': { kind: 'public', why: 'dashboard page; it asks for the key and calls the API with it' },
  'GET /dashboard/vendor/uplot.esm.js': { kind: 'public', why: 'dashboard static file' },
  'GET /dashboard/vendor/uplot.css': { kind: 'public', why: 'dashboard static file' },
  'GET /dashboard/js/:file': { kind: 'public', why: 'dashboard static file' },
  'GET /dashboard/:file': { kind: 'public', why: 'dashboard static file' },
  'POST /webhooks/messagebird': { kind: 'public', status: 401, why: "MessageBird's calls: authenticated by MessageBird-Signature-JWT, not by an API key" },
  'GET /webhooks/messagebird/call-flow': { kind: 'public', status: 401, why: "MessageBird's calls: authenticated by MessageBird-Signature-JWT, not by an API key" },
  'GET /webhooks/messagebird/beep.wav': { kind: 'public', why: 'the tone MessageBird plays before a record step (it has no beep of its own); the same bytes for everyone' },
  // Not served on the API port without METRICS_TOKEN (a 404); with it, its own bearer token, never an API key.
  'GET /metrics': { kind: 'public', status: 404, why: 'Prometheus scrape: its own bearer token (METRICS_TOKEN), not an API key' },
};

function routesOf(t: MessageBirdTestApp): string[] {
  const express = t.app.getHttpAdapter().getInstance();
  const stack: any[] = (express.router ?? express._router).stack;
  // Less Nest's own catch-all that answers 404 for every path no controller has.
  return [...new Set(stack.filter((l) => l.route && l.route.path !== '/*path').flatMap((l) => Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route.path}`)))].sort();
}

describe('tenant isolation: every route with another organization key', () => {
  let t: MessageBirdTestApp;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  const ctx: Ctx = { requestId: 'shared-id', phone: '+6588893322', callId: '', dncPhone: '+6591112222', endpointId: '', callFlowId: '', apiKeyIdOfA: '', readKeyOfB: '' };

  beforeAll(async () => {
    t = await startMessageBirdTestApp();
    a = await t.createOrganization(3, 'A');
    b = await t.createOrganization(7, 'B');
    const created = await t.http.post('/call').set(KEY, a.apiKey).send(body(`${ctx.requestId}-a`, 'A'));
    expect(created.status).toBe(200);
    ctx.callId = created.body.details[0].callId;
    ctx.createdAtOfA = created.body.createdAt;
    expect((await t.http.post('/organization/dnc').set(KEY, a.apiKey).send({ phones: [ctx.dncPhone] })).status).toBe(200);
    expect((await t.http.put('/organization/settings').set(KEY, a.apiKey).send({ callsPerSecond: 3 })).status).toBe(200);
    const endpoint = await t.http.post('/organization/webhook-endpoints').set(KEY, a.apiKey).send({ url: 'https://93.184.215.14/a', events: ['campaign.paused'], description: 'A' });
    expect(endpoint.status).toBe(201);
    ctx.endpointId = endpoint.body.id;
    const savedFlow = await t.http.post('/call-flows').set(KEY, a.apiKey).send({ title: 'A', callFlow: flow });
    expect(savedFlow.status).toBe(201);
    ctx.callFlowId = savedFlow.body.id;
    ctx.apiKeyIdOfA = (await t.http.get('/organization/api-keys').set(KEY, a.apiKey)).body.apiKeys[0].id;
    const reader = await t.http.post('/organization/api-keys').set(KEY, b.apiKey).send({ name: 'b-reader', scope: 'read' });
    expect(reader.status).toBe(201);
    ctx.readKeyOfB = reader.body.key;
  }, 60_000);
  afterAll(() => t?.close());

  it('has every route of the app in the table, and no route the app does not have', () => {
    const routes = routesOf(t);
    expect(routes.filter((r) => !(r in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r.kind !== 'public'))('%s: 401 without a key and with an unknown key', async (_name, route) => {
    const send = (route as Exclude<Route, { kind: 'public' }>).send;
    for (const key of [undefined, 'rk_unknown', '']) {
      const request = send(t.http, ctx);
      const response = await (key === undefined ? request : request.set(KEY, key));
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ status: 'unauthorized', message: expect.any(String) });
    }
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r.kind === 'foreign'))("%s: 404 with B's key for A's resource", async (_name, route) => {
    const response = await (route as Extract<Route, { kind: 'foreign' }>).send(t.http, ctx).set(KEY, b.apiKey);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ status: 'not_found', message: expect.any(String) });
  });

  // GETs answer B's read key as they answer its write key; every other method is a 403, before any other check.
  // (Before B's write key below creates B's own campaign under A's requestId.)
  it.each(Object.entries(ROUTES).filter(([, r]) => r.kind !== 'public'))("%s: B's read key reads (GET) and is refused any write with a 403", async (name, route) => {
    const authenticated = route as Exclude<Route, { kind: 'public' }>;
    const response = await authenticated.send(t.http, ctx).set(KEY, ctx.readKeyOfB);
    if (name.startsWith('GET ')) {
      expect(response.status).toBe(authenticated.kind === 'own' ? authenticated.status : 404);
    } else {
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ status: 'forbidden', message: expect.stringContaining('scope read') });
    }
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r.kind === 'own'))("%s: B's key works on B's own data only", async (_name, route) => {
    const own = route as Extract<Route, { kind: 'own' }>;
    const response = await own.send(t.http, ctx).set(KEY, b.apiKey);
    expect(response.status).toBe(own.status);
    own.check?.(response.body, ctx);
  });

  it.each(Object.entries(ROUTES).filter(([, r]) => r.kind === 'public'))('%s is public (no API key)', async (name, route) => {
    const [method, path] = name.split(' ');
    const concrete = path.replace(':file', path.startsWith('/dashboard/js') ? 'app.js' : 'styles.css');
    const expected = (route as Extract<Route, { kind: 'public' }>).status;
    for (const key of [undefined, a.apiKey]) {
      const request = (t.http as any)[method.toLowerCase()](concrete);
      const response = await (key === undefined ? request : request.set(KEY, key));
      if (expected !== undefined) expect(response.status).toBe(expected); // an API key is no substitute
      else expect(response.status).toBeLessThan(400);
    }
  });

  it("leaves A's campaign, usage, settings and do-not-call list as they were", async () => {
    const status = await t.http.get(`/status/${ctx.requestId}-a`).set(KEY, a.apiKey);
    expect(status.status).toBe(200);
    expect(['submitted', 'onProgress', 'completed']).toContain(status.body.status);
    expect(status.body.summary.cancelled).toBe(0);
    expect((await t.http.get('/organization/usage').set(KEY, a.apiKey)).body).toMatchObject({ limit: 3, externalOngoingCalls: 0 });
    expect((await t.http.get('/organization/settings').set(KEY, a.apiKey)).body.callsPerSecond).toBe(3);
    const dnc = await t.http.get('/organization/dnc').set(KEY, a.apiKey);
    expect(dnc.body.numbers.map((n: any) => n.phone)).toEqual([ctx.dncPhone]);
    const campaigns = await t.http.get('/campaigns').set(KEY, a.apiKey);
    expect(campaigns.body.campaigns.map((c: any) => c.requestId)).toEqual([`${ctx.requestId}-a`]);
    const endpoints = await t.http.get('/organization/webhook-endpoints').set(KEY, a.apiKey);
    expect(endpoints.body.endpoints).toEqual([expect.objectContaining({ id: ctx.endpointId, description: 'A', url: 'https://93.184.215.14/a', enabled: true })]);
    const flows = await t.http.get('/call-flows').set(KEY, a.apiKey);
    expect(flows.body.items).toEqual([expect.objectContaining({ id: ctx.callFlowId, title: 'A', version: 1, callFlow: flow })]);
    // Nor can B start a campaign with A's flow.
    expect((await t.http.post('/call').set(KEY, b.apiKey).send({ requestId: 'b-with-a-flow', destinations: [{ phone: '+6588893322', caller: '+6582674904', properties: { name: 'B' } }], callFlowId: ctx.callFlowId })).status).toBe(404);
  });
});
