import { randomBytes } from 'node:crypto';
import { hasSample, parsePrometheusText, sampleSum } from './support/processes';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const caller = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
const destinations = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+${prefix}${String(i).padStart(4, '0')}`, caller, properties: { name: `P${i}` } }));

describe('GET /metrics', () => {
  const token = `metrics-${randomBytes(8).toString('hex')}`;
  let t: TestApp;

  beforeAll(async () => {
    // About 300 ms a call at 10x: the slots stay in use long enough to be seen.
    t = await startTestApp({ simulatorScript: { msPerChar: 100, default: { ringMs: 2000 } }, simulatorSpeed: 10, config: { metrics: { token } } });
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const response = await t.http.get('/metrics').set('authorization', `Bearer ${token}`).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(response.text);
  };

  it('answers only to the operator token: no token, a wrong one, or an organization API key is a 401', async () => {
    const { apiKey } = await t.createOrganization(2);
    for (const headers of [{}, { authorization: `Bearer ${token}x` }, { authorization: token }, { 'x-credential-api-key': apiKey }, { authorization: `Bearer ${apiKey}` }]) {
      const response = await t.http.get('/metrics').set(headers);
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: 'unauthorized' });
      expect(response.text).not.toMatch(/robocall_/);
    }
  });

  it('moves with a campaign: backlog, slots in use and limit per organization, dials, event lag, responses', async () => {
    const { id, apiKey } = await t.createOrganization(3, 'Metrics org');
    const other = await t.createOrganization(7, 'Another org');
    const org = { organization: id };
    const api = (method: 'get' | 'put' | 'post', path: string) => t.http[method](path).set('x-credential-api-key', apiKey);

    const before = await scrape();
    expect(sampleSum(before, 'robocall_slot_limit', org)).toBe(3);
    expect(sampleSum(before, 'robocall_slot_limit', { organization: other.id })).toBe(7);
    expect(sampleSum(before, 'robocall_organization_info', { organization: id, name: 'Metrics org' })).toBe(1);
    expect(sampleSum(before, 'robocall_queued_calls', org)).toBe(0);
    expect(sampleSum(before, 'robocall_dials_total', org)).toBe(0);
    expect(sampleSum(before, 'robocall_cluster_metrics_up')).toBe(1);
    // Default process metrics.
    expect(hasSample(before, 'process_cpu_user_seconds_total')).toBe(true);
    expect(hasSample(before, 'nodejs_heap_size_used_bytes')).toBe(true);
    expect(hasSample(before, 'robocall_webhook_signature_failures_total')).toBe(true);

    // Other apps take every slot: the campaign waits in the backlog.
    await api('put', '/organization/usage').send({ externalOngoingCalls: 3 }).expect(200);
    const total = 9;
    await api('post', '/call').send({ requestId: 'metrics-campaign', destinations: destinations(total, '6577'), callFlow: flow }).expect(200);
    const held = await scrape();
    expect(sampleSum(held, 'robocall_queued_calls', org)).toBe(total);
    expect(sampleSum(held, 'robocall_slots_external', org)).toBe(3);
    expect(sampleSum(held, 'robocall_slots_in_use', org)).toBe(0);
    expect(sampleSum(held, 'robocall_queued_calls', { organization: other.id })).toBe(0);

    // Slots free: the calls run; a scrape sees all three slots in use and the backlog down by as many.
    // (Leases are taken just before the claim, so one scrape may see a lease before its call left the backlog.)
    await api('put', '/organization/usage').send({ externalOngoingCalls: 0 }).expect(200);
    await until('3 slots in use, 6 calls queued', async () => {
      const samples = await scrape();
      return sampleSum(samples, 'robocall_slots_in_use', org) === 3 && sampleSum(samples, 'robocall_queued_calls', org) === total - 3 ? true : undefined;
    });

    const done = await t.waitForStatus(apiKey, 'metrics-campaign');
    expect(done.summary).toMatchObject({ total, ended: total });
    const after = await until('every slot back', async () => {
      const samples = await scrape();
      return sampleSum(samples, 'robocall_slots_in_use', org) === 0 ? samples : undefined;
    });
    expect(sampleSum(after, 'robocall_dials_total', org)).toBe(total);
    expect(sampleSum(after, 'robocall_dials_total', { organization: other.id })).toBe(0);
    expect(sampleSum(after, 'robocall_dial_failures_total', org)).toBe(0);
    expect(sampleSum(after, 'robocall_queued_calls', org)).toBe(0);
    // Every call's end went through the event path once: one lag observation each.
    expect(sampleSum(after, 'robocall_provider_event_lag_seconds_count', { type: 'ended' })).toBe(total);
    expect(sampleSum(after, 'robocall_provider_event_lag_seconds_count', { type: 'answered' })).toBe(total);
    expect(sampleSum(after, 'robocall_provider_event_lag_seconds_bucket', { type: 'ended', le: '+Inf' })).toBe(total);
    // 2xx responses were counted, the 401s above as 4xx.
    expect(sampleSum(after, 'robocall_http_responses_total', { status_class: '2xx' })).toBeGreaterThan(sampleSum(before, 'robocall_http_responses_total', { status_class: '2xx' }));
    expect(sampleSum(after, 'robocall_http_responses_total', { status_class: '4xx' })).toBeGreaterThanOrEqual(5);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { role: 'api' } });
  });
  afterAll(() => t.close());

  it('is not served on the API port (an operator endpoint is never open by default)', async () => {
    const { apiKey } = await t.createOrganization(1);
    const response = await t.http.get('/metrics').set('x-credential-api-key', apiKey);
    expect(response.status).toBe(404);
    expect(response.text).not.toMatch(/robocall_/);
  });
});
