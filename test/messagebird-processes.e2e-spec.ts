import { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from '../src/app.factory';
import { MessageBirdProvider } from '../src/voice/messagebird/messagebird.provider';
import { VoiceProvider } from '../src/voice/voice-provider';
import { SEED_EXAMPLE } from './support/seed-example';
import { MessageBirdTestApp, startMessageBirdTestApp } from './support/messagebird-double/messagebird-test-app';

const caller = '+6582674904';

describe('MessageBird: webhooks reach an API process, the worker that placed the call applies them', () => {
  let api: MessageBirdTestApp;
  let workers: INestApplicationContext[];
  let apiKey: string;

  beforeAll(async () => {
    api = await startMessageBirdTestApp({
      role: 'api',
      script: { default: { ringMs: 500 }, numbers: { '+84917660247': { digits: ['1'] }, '+84912860330': { digits: ['0'] } } },
    });
    // Two workers: each call's news reaches both; only the one that placed it turns it into events.
    workers = await Promise.all([1, 2].map(() => createWorkerContext({ ...api.config, role: 'worker' })));
    await Promise.all(workers.map((w) => w.init()));
    ({ apiKey } = await api.createOrganization(10));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await api.close();
  });

  it('runs the seed example with calls placed by workers and webhooks taken by the API process', async () => {
    for (const worker of workers) expect(worker.get(VoiceProvider)).toBeInstanceOf(MessageBirdProvider);
    const requests = [1, 2, 3].map((i) => ({ ...SEED_EXAMPLE, requestId: `split-${i}` }));
    for (const body of requests) await api.http.post('/call').set('x-credential-api-key', apiKey).send(body).expect(200);
    for (const { requestId } of requests) {
      const done = await api.waitForStatus(apiKey, requestId);
      expect(done.summary).toMatchObject({ total: 2, ended: 2, answered: 2 });
      expect(done.details.map((d: any) => d.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.userPressedDigits]))).toEqual([
        [
          ['play', 'success_ok', ''],
          ['gather', 'success_ok', '1'],
          ['gather', 'no_input', ''],
          ['play', 'success_ok', ''],
        ],
        [
          ['play', 'success_ok', ''],
          ['gather', 'success_ok', '0'],
          ['transfer', 'success_ok', ''],
        ],
      ]);
    }
    expect(api.double.calls.size).toBe(6);
  });
});

describe('MessageBird: lost webhooks, retried placements and answering machines', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({
      script: { default: { ringMs: 300 }, numbers: { '+6531000002': { ringMs: 150_000 }, '+6531000003': { machine: true }, '+6531000004': { answer: 'busy' } } },
      messagebird: { reconcileAfterMs: 1000, requestTimeoutMs: 500, ifMachine: 'hangup', machineTimeoutMs: 3000 },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const submit = (requestId: string, phone: string) =>
    t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId, destinations: [{ phone, caller }], callFlow: { steps: [{ name: 'play', message: { msg: 'hello' } }] } })
      .expect(200);

  it('settles a call whose end was never reported by looking it up (GET /calls/{id}), and frees its slot', async () => {
    t.double.webhookFilter = (delivery) => (delivery.body.includes('"destination":"6531000001"') ? 'drop' : 'deliver');
    try {
      await submit('mb-lost-webhooks', '+6531000001');
      const done = await t.waitForStatus(apiKey, 'mb-lost-webhooks');
      expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
      expect(done.details[0].callFlowSteps.map((s: any) => [s.stepName, s.info.status])).toEqual([['play', 'success_ok']]);
      const id = done.details[0].monitorData[0].uuid;
      expect(t.double.deliveries.filter((d) => d.callId === id).every((d) => d.status === 'dropped')).toBe(true);
      expect(t.double.requests.some((r) => r.method === 'GET' && r.path === `/calls/${id}`)).toBe(true);
      const usage = await t.http.get('/organization/usage').set('x-credential-api-key', apiKey).expect(200);
      expect(usage.body.ongoingCalls).toBe(0);
    } finally {
      t.double.webhookFilter = () => 'deliver';
    }
  });

  it('hangs up the extra call when a placement that timed out had gone through and was placed again', async () => {
    t.double.failNext({ method: 'POST', path: /^\/calls$/, reply: 'accept-then-hang' });
    await submit('mb-stray', '+6531000002');
    const done = await t.waitForStatus(apiKey, 'mb-stray');
    expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
    const placed = [...t.double.calls.values()].filter((c) => c.destination === '6531000002');
    expect(placed).toHaveLength(2);
    const ours = placed.find((c) => c.id === done.details[0].monitorData[0].uuid)!;
    const stray = placed.find((c) => c !== ours)!;
    expect(ours.endReason).toBe('the call flow hung up');
    expect(stray.endReason).toBe('deleted through the API');
  });

  it('asks for answering-machine detection on the first message, as configured', async () => {
    await submit('mb-machine', '+6531000003');
    const done = await t.waitForStatus(apiKey, 'mb-machine');
    const call = t.double.calls.get(done.details[0].monitorData[0].uuid)!;
    expect(call.said).toEqual([{ payload: 'hello', language: 'en-US', voice: 'female', ifMachine: 'hangup', machineTimeout: 3000 }]);
    expect(call.endReason).toBe('an answering machine picked up');
    expect(done.details[0].callFlowSteps.map((s: any) => [s.stepName, s.info.status])).toEqual([['play', 'interrupted']]);
  });

  it('looks up the legs of a call whose end was reported without them, to know how it ended', async () => {
    t.double.webhookLegs = false;
    try {
      await submit('mb-no-legs', '+6531000004');
      const done = await t.waitForStatus(apiKey, 'mb-no-legs');
      expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'busy' });
      const id = done.details[0].monitorData[0].uuid;
      expect(t.double.requests.some((r) => r.method === 'GET' && r.path.startsWith(`/calls/${id}/legs`))).toBe(true);
    } finally {
      t.double.webhookLegs = true;
    }
  });
});
