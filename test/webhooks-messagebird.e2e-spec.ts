import { startMessageBirdTestApp, MessageBirdTestApp } from './support/messagebird-double/messagebird-test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';

/**
 * recording.ready for whole-call recordings (enableCallRecording) on MessageBird's double: sent once the
 * recordings MessageBird made are read and stored, after the call.completed of the call.
 */
describe('status callbacks: recording.ready of whole-call recordings (MessageBird double)', () => {
  let t: MessageBirdTestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({ script: { default: { ringMs: 500 }, numbers: { '+6521100001': { digits: ['1'] }, '+6521100002': { answer: 'busy' } } } });
    // The receiver is on loopback over http: allowed as WEBHOOKS_ALLOW_INSECURE=true does (this helper takes no webhooks settings).
    Object.assign(t.config.webhooks, { allowInsecure: true, pollMs: 50 });
    receiver = await WebhookReceiver.start();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('tells recording.ready once per recorded call, with its recordings, and none for a call that was not answered', async () => {
    const { apiKey } = await t.createOrganization(5);
    const endpoint = (await t.http.post('/organization/webhook-endpoints').set(KEY, apiKey).send({ url: receiver.url })).body;
    const destinations = ['+6521100001', '+6521100002'].map((phone) => ({ phone, caller: CALLER, properties: { name: 'Kim' } }));
    const flow = { steps: [{ name: 'play', message: { msg: 'hello {{name}}' } }] };
    expect((await t.http.post('/call').set(KEY, apiKey).send({ requestId: 'recorded', enableCallRecording: true, destinations, callFlow: flow })).status).toBe(200);
    const status = await t.waitForStatus(apiKey, 'recorded');
    await receiver.waitFor((r) => r.unique().some((e) => e.json.type === 'recording.ready'));
    await receiver.waitFor((r) => r.unique().filter((e) => e.json.type === 'call.completed').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more comes

    for (const request of receiver.requests) expect(WebhookReceiver.verify(request, endpoint.secret)).toEqual(request.json);
    const ready = receiver.unique().filter((e) => e.json.type === 'recording.ready');
    expect(ready).toHaveLength(1);
    const answered = status.details.find((d: any) => d.destination === '+6521100001');
    expect(ready[0].json.data).toMatchObject({ callId: answered.callId, call_status: 'answered' });
    expect(ready[0].json.data.recordings).toEqual([
      expect.objectContaining({ status: 'done', file: expect.stringMatching(new RegExp(`^/status/recorded/calls/${answered.callId}/recordings/.+\\.wav$`)) }),
    ]);
  }, 60_000);
});
