import { PlatformExternalCalls } from '../src/dispatcher/platform-external-calls.service';
import { intervalsOf, maxConcurrency } from './support/call-timeline';
import { TEST_ACCESS_KEY, startMessageBirdTestApp, MessageBirdTestApp } from './support/messagebird-double/messagebird-test-app';
import { until } from './support/polling';

const KEY = 'x-credential-api-key';
const caller = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: 'hello {{name}}, this is your reminder' } }] };
const campaign = (requestId: string, phones: string[], extra: object = {}) => ({
  requestId,
  destinations: phones.map((phone, i) => ({ phone, caller, properties: { name: `N${i}` } })),
  callFlow: flow,
  ...extra,
});

describe('MessageBird campaign options: recordings in GET /status, machine detection per campaign', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({
      // A recording stays `recording` for a while after the call ends, as MessageBird processes it.
      script: { recordingProcessingMs: 30_000, default: { ringMs: 200 }, numbers: { '+6531000009': { machine: true } } },
      messagebird: { ifMachine: 'delay', machineTimeoutMs: 7000 },
    });
    ({ apiKey } = await t.createOrganization(5));
  });
  afterAll(() => t.close());

  it('lists each recorded call\'s recordings in GET /status once MessageBird is done with them', async () => {
    const submitted = await t.http.post('/call').set(KEY, apiKey).send(campaign('recorded', ['+6531000001', '+6531000002'], { enableCallRecording: true })).expect(200);
    expect(submitted.body.details[0]).not.toHaveProperty('recordings');
    await t.waitForStatus(apiKey, 'recorded');
    const done = await until('recordings in GET /status', async () => {
      const { details } = (await t.http.get('/status/recorded').set(KEY, apiKey)).body;
      return details.every((d: any) => d.recordings?.[0]?.status === 'done') ? details : undefined;
    });
    for (const detail of done) {
      const placed = t.double.calls.get(detail.monitorData[0].uuid)!;
      expect(detail.recordings).toEqual([
        {
          id: placed.recordings[0].id,
          status: 'done',
          duration: expect.any(Number),
          createdAt: expect.any(String),
          file: `/status/recorded/calls/${detail.callId}/recordings/${placed.recordings[0].id}.wav`,
        },
      ]);
      // Read while MessageBird was still processing, then again until it was done.
      const reads = t.double.requests.filter((r) => r.method === 'GET' && /^\/calls\/[^/]+\/legs\/[^/]+\/recordings(\?|$)/.test(r.path) && r.path.startsWith(`/calls/${placed.id}/`));
      expect(reads.length).toBeGreaterThanOrEqual(2);
    }
    // The link streams the audio with our API key.
    const audio = await t.http.get(done[0].recordings[0].file).set(KEY, apiKey);
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
  });

  it('shows no recordings for a campaign without enableCallRecording, and never asks MessageBird for them', async () => {
    await t.http.post('/call').set(KEY, apiKey).send(campaign('unrecorded', ['+6531000003'])).expect(200);
    const done = await t.waitForStatus(apiKey, 'unrecorded');
    expect(done.details[0]).not.toHaveProperty('recordings');
    const id = done.details[0].monitorData[0].uuid;
    expect(t.double.requests.some((r) => r.path.startsWith(`/calls/${id}/`) && r.path.includes('/recordings'))).toBe(false);
  });

  it("sends the campaign's machineDetection on the call's first say, over the deployment default", async () => {
    const machineDetection = { ifMachine: 'hangup', machineTimeout: 2500 };
    await t.http.post('/call').set(KEY, apiKey).send(campaign('machine-hangup', ['+6531000004', '+6531000009'], { machineDetection })).expect(200);
    await t.http.post('/call').set(KEY, apiKey).send(campaign('machine-default', ['+6531000005'])).expect(200);
    const own = await t.waitForStatus(apiKey, 'machine-hangup');
    const byDefault = await t.waitForStatus(apiKey, 'machine-default');
    const said = (detail: any) => t.double.calls.get(detail.monitorData[0].uuid)!.said[0];
    expect(said(own.details[0])).toMatchObject({ payload: 'hello N0, this is your reminder', ifMachine: 'hangup', machineTimeout: 2500 });
    expect(said(byDefault.details[0])).toMatchObject({ ifMachine: 'delay', machineTimeout: 7000 });
    // The double's answering machine at +6531000009 is hung up on before the message is spoken.
    expect(t.double.calls.get(own.details[1].monitorData[0].uuid)!.endReason).toBe('an answering machine picked up');
    expect(own.details[1]).toMatchObject({ call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'interrupted' } }] });

    // The same body again is harmless; another machineDetection under the same requestId is a conflict.
    await t.http.post('/call').set(KEY, apiKey).send(campaign('machine-hangup', ['+6531000004', '+6531000009'], { machineDetection })).expect(200);
    const changed = await t.http.post('/call').set(KEY, apiKey).send(campaign('machine-hangup', ['+6531000004', '+6531000009'], { machineDetection: { ifMachine: 'continue' } }));
    expect(changed.status).toBe(409);
  });

  it('refuses a bad machineDetection naming the field, and stores nothing', async () => {
    const response = await t.http
      .post('/call')
      .set(KEY, apiKey)
      .send(campaign('machine-bad', ['+6531000006'], { machineDetection: { ifMachine: 'beep', machineTimeout: 20_000 } }));
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'machineDetection.ifMachine', message: 'is required and must be one of continue, delay, hangup' },
      { field: 'machineDetection.machineTimeout', message: 'must be an integer number of milliseconds from 400 to 10000' },
    ]);
    await t.http.get('/status/machine-bad').set(KEY, apiKey).expect(404);
  });

  it('takes machineDetection from a CSV upload as JSON text', async () => {
    const upload = (requestId: string, machineDetection: string) =>
      t.http
        .post('/call/csv')
        .set(KEY, apiKey)
        .field('requestId', requestId)
        .field('callFlow', JSON.stringify(flow))
        .field('caller', caller)
        .field('machineDetection', machineDetection)
        .attach('file', Buffer.from('phone,name\n+6531000007,Kim\n'), 'debtors.csv');
    const bad = await upload('csv-machine-bad', '{"ifMachine": "maybe"}');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('machineDetection.ifMachine');
    expect((await upload('csv-machine', '{"ifMachine": "continue"}')).status).toBe(200);
    const done = await t.waitForStatus(apiKey, 'csv-machine');
    expect(t.double.calls.get(done.details[0].monitorData[0].uuid)!.said[0]).toMatchObject({ ifMachine: 'continue' });
  });
});

describe('MESSAGEBIRD_COUNT_EXTERNAL_CALLS: other apps\' calls counted from the MessageBird account', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({
      // Real-time speed: each of our calls speaks for about 2 s, long enough to be seen in several counts.
      script: { speed: 1, default: { ringMs: 100 }, numbers: { '+6590000001': { ringMs: 600_000 }, '+6590000002': { ringMs: 600_000 } } },
      countExternalCallsEveryMs: 200,
    });
    ({ apiKey } = await t.createOrganization(3));
  });
  afterAll(() => t.close());

  /** Another app of the account places a call on MessageBird directly. */
  async function placeElsewhere(destination: string): Promise<string> {
    const response = await fetch(`${t.double.url}/calls`, {
      method: 'POST',
      headers: { Authorization: `AccessKey ${TEST_ACCESS_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: '6500000000', destination, callFlow: { steps: [{ action: 'say', options: { payload: 'desk phone', language: 'en-US', voice: 'female' } }] } }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as any).data[0].id;
  }
  const usage = async () => (await t.http.get('/organization/usage').set(KEY, apiKey)).body;

  it('holds our calls to the slots the account\'s other calls leave, never counts our own, and frees slots when they end', async () => {
    const elsewhere = [await placeElsewhere('6590000001'), await placeElsewhere('6590000002')];
    expect(await until('the two calls counted', async () => ((await usage()).externalOngoingCalls === 2 ? usage() : undefined))).toMatchObject({
      limit: 3,
      externalOngoingCalls: 2,
      externalSource: 'messagebird',
      free: 1,
    });
    const put = await t.http.put('/organization/usage').set(KEY, apiKey).send({ externalOngoingCalls: 0 });
    expect(put.status).toBe(409);
    expect(put.body.message).toContain('MESSAGEBIRD_COUNT_EXTERNAL_CALLS');

    await t.http.post('/call').set(KEY, apiKey).send(campaign('beside-other-apps', ['+6531100001', '+6531100002', '+6531100003'])).expect(200);
    // While one of ours runs, the count stays at the other app's two: our call is not taken for theirs.
    const seen = await until('our call running beside the two others', async () => {
      const now = await usage();
      return now.ongoingCalls === 1 && now.externalOngoingCalls === 2 ? now : undefined;
    });
    expect(seen.free).toBe(0);
    const polls = t.app.get(PlatformExternalCalls);
    await until('a count while our call runs', async () => {
      const count = await polls.tick();
      return count === 2 && (await usage()).ongoingCalls === 1 ? true : undefined;
    });

    // The other app hangs up: its slots are ours at once.
    const freedAt = Date.now();
    for (const id of elsewhere) await fetch(`${t.double.url}/calls/${id}`, { method: 'DELETE', headers: { Authorization: `AccessKey ${TEST_ACCESS_KEY}` } });
    const done = await t.waitForStatus(apiKey, 'beside-other-apps', 'completed', 30_000);
    expect(done.summary).toMatchObject({ total: 3, answered: 3 });
    expect((await usage()).externalOngoingCalls).toBe(0);

    // One call at a time while the others held two of the three slots.
    const before = done.details.filter((d: any) => Date.parse(d.dialedAt) < freedAt);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(maxConcurrency(intervalsOf(before))).toBe(1);
  });
});
