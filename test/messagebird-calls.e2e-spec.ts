import { DataSource } from 'typeorm';
import { webhookSignatureFailuresTotal } from '../src/metrics/metrics';
import { SEED_EXAMPLE } from './support/seed-example';
import { until } from './support/polling';
import { signRequest } from './support/messagebird-double/request-signer';
import { startMessageBirdTestApp, MessageBirdTestApp, TEST_SIGNING_KEY } from './support/messagebird-double/messagebird-test-app';

const caller = '+6582674904';
const hello = { steps: [{ name: 'play', message: { msg: 'hello {{name}}' } }] };

const steps = (detail: any) => detail.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.userPressedDigits, s.info.transfer_status]);

describe('campaigns through VOICE_PROVIDER=messagebird, against the MessageBird double over HTTP', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({
      script: {
        default: { ringMs: 500 },
        numbers: {
          // The seed's two destinations: 1 then nothing at the nested gather; 0 (transfer to Ext:1000).
          '+84917660247': { digits: ['1'] },
          '+84912860330': { digits: ['0'], transfer: 'answered' },
          '+6521000001': { answer: 'busy' },
          '+6521000002': { answer: 'no_answer' },
          '+6521000003': { answer: 'failed' },
          '+6521000004': { digits: ['7', '', '2'] },
          '+6521000005': { digits: ['1'], transfer: 'busy' },
          '+6521000006': { hangupAfterMs: 1000 },
          '+6521000007': { ringMs: 60_000 },
        },
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  it('runs the seed Robo call example: its branches, the nested gather\'s default, the transfer to Ext:1000, and recording', async () => {
    await t.http.post('/call').set('x-credential-api-key', apiKey).send(SEED_EXAMPLE).expect(200);
    const done = await t.waitForStatus(apiKey, SEED_EXAMPLE.requestId);
    const [first, second] = done.details;
    expect(done.summary).toMatchObject({ total: 2, ended: 2, answered: 2 });

    expect(first).toMatchObject({ call_state: 'ended', call_status: 'answered', status: 'completed' });
    expect(steps(first)).toEqual([
      ['play', 'success_ok', '', null],
      ['gather', 'success_ok', '1', null],
      ['gather', 'no_input', '', null],
      ['play', 'success_ok', '', null],
    ]);
    expect(first.callFlowSteps.map((s: any) => s.info.message)).toEqual([
      'thanks Alex',
      'Dear Mr Alex, the amount of 200,000$ will be due on August 20th, 2020',
      'message need to play',
      'msg need to play',
    ]);
    expect(first.callFlowSteps.map((s: any) => s.path)).toEqual(['steps[0]', 'steps[1]', 'steps[1].branches[0].steps[0]', 'steps[1].branches[0].steps[0].branches[0].steps[0]']);

    expect(steps(second)).toEqual([
      ['play', 'success_ok', '', null],
      ['gather', 'success_ok', '0', null],
      ['transfer', 'success_ok', '', 'answered'],
    ]);
    expect(second.monitorData).toEqual([
      expect.objectContaining({ type: 'outbound', dest: '+84912860330' }),
      expect.objectContaining({ type: 'transfer', dest: 'Ext:1000' }),
    ]);

    // What MessageBird was asked to do.
    const placed = [...t.double.calls.values()];
    expect(placed).toHaveLength(2);
    const byDestination = new Map(placed.map((c) => [c.destination, c]));
    const firstCall = byDestination.get('84917660247')!;
    const secondCall = byDestination.get('84912860330')!;
    expect(first.monitorData[0].uuid).toBe(firstCall.id);
    expect(firstCall.source).toBe('6582674904');
    expect(firstCall.callFlow.record).toBe(true);
    expect(firstCall.recordings).toEqual([expect.objectContaining({ status: 'done' })]);
    expect(firstCall.said.slice(0, 2)).toEqual([
      { payload: 'thanks Alex', language: 'en-US', voice: 'male' },
      { payload: 'Dear Mr Alex, the amount of 200,000$ will be due on August 20th, 2020', language: 'en-US', voice: 'female' },
    ]);
    // The nested gather was prompted three times (maxRetries 3) before its default branch.
    expect(firstCall.said.filter((s) => s.payload === 'message need to play')).toHaveLength(3);
    expect(secondCall.legs.map((l) => [l.destination, l.status, l.answeredAt !== null])).toEqual([
      ['84912860330', 'hangup', true],
      ['sip:1000@pbx.example.com', 'hangup', true],
    ]);
    const apiRequests = t.double.requests.filter((r) => r.method === 'POST' && r.path === '/calls');
    expect(apiRequests).toHaveLength(2);
    for (const r of apiRequests) {
      expect(r.headers.authorization).toBe('AccessKey test_double_access_key');
      expect(r.headers['x-messagebird-version']).toBe('20170314');
    }
  });

  const submit = (requestId: string, phones: string[], callFlow: object = hello) =>
    t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId, destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Kim' } })), callFlow })
      .expect(200);
  const db = () => t.app.get(DataSource);
  const callIdOf = async (requestId: string) => (await t.waitForStatus(apiKey, requestId, 'completed')).details[0].callId;

  it('records busy, no answer and failed calls as MessageBird reports their legs, without running their flow', async () => {
    await submit('mb-unanswered', ['+6521000001', '+6521000002', '+6521000003']);
    const done = await t.waitForStatus(apiKey, 'mb-unanswered');
    expect(done.details.map((d: any) => [d.call_status, d.call_state, d.callFlowSteps.length, d.answeredAt])).toEqual([
      ['busy', 'ended', 0, null],
      ['no_answer', 'ended', 0, null],
      ['failed', 'ended', 0, null],
    ]);
    expect(done.details[2].failureReason).toContain('MessageBird reported the call leg failed');
    expect(done.summary).toMatchObject({ total: 3, ended: 3, busy: 1, no_answer: 1, failed: 1, answered: 0 });
  });

  it('re-prompts a gather on a key no branch takes and on silence, then follows the branch of the key pressed', async () => {
    const flow = {
      steps: [
        {
          name: 'gather',
          message: { msg: 'Press 1 or 2', language: 'nl' },
          branches: [
            { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'one' } }] } },
            { digit: '2', callFlow: { steps: [{ name: 'play', message: { msg: 'two', gender: 'male', language: 'en-GB' } }] } },
          ],
        },
      ],
    };
    await submit('mb-reprompt', ['+6521000004'], flow);
    const done = await t.waitForStatus(apiKey, 'mb-reprompt');
    expect(steps(done.details[0])).toEqual([
      ['gather', 'success_ok', '2', null],
      ['play', 'success_ok', '', null],
    ]);
    expect(done.details[0].callFlowSteps[1].info.message).toBe('two');
    const call = t.double.calls.get(done.details[0].monitorData[0].uuid)!;
    expect(call.said.map((s) => [s.payload, s.language, s.voice])).toEqual([
      ['Press 1 or 2', 'nl-NL', 'female'],
      ['Press 1 or 2', 'nl-NL', 'female'],
      ['Press 1 or 2', 'nl-NL', 'female'],
      ['two', 'en-GB', 'male'],
    ]);
    // Every fetch of the next call flow was signed by the double and answered by us.
    expect(call.fetches.map((f) => f.status)).toEqual([200, 200, 200, 200]);
  });

  it('goes on after a transfer that was not answered, and reads its result from the legs', async () => {
    const flow = {
      steps: [
        {
          name: 'gather',
          message: { msg: 'Press 1 for an agent' },
          branches: [
            { digit: '1', callFlow: { steps: [{ name: 'transfer', destination: '+6598765432' }, { name: 'play', message: { msg: 'Nobody is free' } }] } },
          ],
        },
      ],
    };
    await submit('mb-transfer-busy', ['+6521000005'], flow);
    const done = await t.waitForStatus(apiKey, 'mb-transfer-busy');
    expect(steps(done.details[0])).toEqual([
      ['gather', 'success_ok', '1', null],
      ['transfer', 'failed', '', 'busy'],
      ['play', 'success_ok', '', null],
    ]);
    expect(done.details[0].monitorData).toEqual([
      expect.objectContaining({ type: 'outbound', dest: '+6521000005' }),
      expect.objectContaining({ type: 'transfer', dest: '+6598765432' }),
    ]);
    const call = t.double.calls.get(done.details[0].monitorData[0].uuid)!;
    expect(call.legs[1]).toMatchObject({ destination: '6598765432', status: 'busy' });
  });

  it('marks the step the callee hung up in as interrupted', async () => {
    await submit('mb-hangup', ['+6521000006'], { steps: [{ name: 'play', message: { msg: 'x'.repeat(300) } }, { name: 'play', message: { msg: 'never heard' } }] });
    const done = await t.waitForStatus(apiKey, 'mb-hangup');
    expect(done.details[0].call_status).toBe('answered');
    expect(done.details[0].callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.call_state])).toEqual([['play', 'interrupted', 'ended']]);
  });

  it('fails a call MessageBird refuses (4xx) with its error code and message, and never places it again', async () => {
    t.double.failNext({ method: 'POST', path: /^\/calls$/, reply: { status: 400, errors: [{ code: 25, message: 'Not enough balance' }] } });
    const before = t.double.calls.size;
    await submit('mb-refused', ['+6521000010']);
    const done = await t.waitForStatus(apiKey, 'mb-refused');
    expect(done.details[0]).toMatchObject({ call_status: 'failed', call_state: 'ended', status: 'completed' });
    expect(done.details[0].failureReason).toContain('MessageBird error 25 (the action cannot be processed on this object): Not enough balance (HTTP 400)');
    expect(t.double.calls.size).toBe(before);
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.body.includes('6521000010'))).toHaveLength(1);
  });

  it('places a call again after a 5xx, and only once it went through', async () => {
    t.double.failNext({ method: 'POST', path: /^\/calls$/, reply: { status: 500, errors: [{ code: 21, message: 'Internal error' }] } });
    await submit('mb-retried', ['+6521000011']);
    const done = await t.waitForStatus(apiKey, 'mb-retried');
    expect(done.details[0]).toMatchObject({ call_status: 'answered', call_state: 'ended' });
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.body.includes('"destination":"6521000011"'))).toHaveLength(2);
    expect([...t.double.calls.values()].filter((c) => c.destination === '6521000011')).toHaveLength(1);
  });

  it('hangs up a call in progress when its campaign is cancelled with hangup=true (DELETE /calls/{id})', async () => {
    await submit('mb-cancelled', ['+6521000007']);
    const deadline = Date.now() + 10_000;
    let placed;
    while (!(placed = [...t.double.calls.values()].find((c) => c.destination === '6521000007' && c.legs[0]?.status === 'ringing')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(placed).toBeDefined();
    await t.http.post('/status/mb-cancelled/cancel?hangup=true').set('x-credential-api-key', apiKey).expect(200);
    await t.waitForStatus(apiKey, 'mb-cancelled', 'cancelled');
    // The campaign is cancelled at once; its call ends when MessageBird reports the hang-up.
    let detail: any;
    while (Date.now() < deadline) {
      detail = (await t.http.get('/status/mb-cancelled').set('x-credential-api-key', apiKey)).body.details[0];
      if (detail.call_state === 'ended') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(detail).toMatchObject({ call_status: 'cancelled', call_state: 'ended' });
    expect(t.double.requests.filter((r) => r.method === 'DELETE' && r.path === `/calls/${placed!.id}`)).toHaveLength(1);
    expect(placed!.endReason).toBe('deleted through the API');
  });

  it('lists a recorded call\'s recordings and streams the .wav through our API, never handing out the MessageBird key', async () => {
    const done = await t.waitForStatus(apiKey, SEED_EXAMPLE.requestId);
    const callId = done.details[0].callId;
    const listed = await t.http.get(`/status/${SEED_EXAMPLE.requestId}/calls/${callId}/recordings`).set('x-credential-api-key', apiKey).expect(200);
    expect(listed.body.recordings).toEqual([
      { id: expect.any(String), status: 'done', duration: expect.any(Number), createdAt: expect.any(String), file: `/status/request_10/calls/${callId}/recordings/${listed.body.recordings[0].id}.wav` },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('test_double_access_key');
    const audio = await t.http.get(listed.body.recordings[0].file).set('x-credential-api-key', apiKey).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect((audio.body as Buffer).subarray(0, 4).toString()).toBe('RIFF');

    await t.http.get(listed.body.recordings[0].file).expect(401);
    await t.http.get(`/status/${SEED_EXAMPLE.requestId}/calls/${callId}/recordings/not-a-recording.wav`).set('x-credential-api-key', apiKey).expect(404);
    const other = await t.createOrganization(1, 'Other organization');
    await t.http.get(`/status/${SEED_EXAMPLE.requestId}/calls/${callId}/recordings`).set('x-credential-api-key', other.apiKey).expect(404);
    await t.http.get(listed.body.recordings[0].file).set('x-credential-api-key', other.apiKey).expect(404);
  });

  describe('webhooks', () => {
    const webhookUrl = (callId: string) => `${t.publicBaseUrl}/webhooks/messagebird?callId=${callId}`;
    const eventRows = async (callId: string) =>
      db().query(`SELECT kind, duplicates FROM messagebird_events WHERE call_id = $1 ORDER BY id`, [callId]) as Promise<{ kind: string; duplicates: number }[]>;

    it('refuses a missing or bad signature with 401 and applies nothing', async () => {
      await submit('mb-signature', ['+6521000020']);
      const callId = await callIdOf('mb-signature');
      const before = await t.http.get('/status/mb-signature').set('x-credential-api-key', apiKey);
      const rowsBefore = await eventRows(callId);
      const refusals = async () => (await webhookSignatureFailuresTotal.get()).values[0]?.value ?? 0;
      const refusedBefore = await refusals();
      const call = t.double.calls.get(before.body.details[0].monitorData[0].uuid)!;
      // A forged "the call is ringing again" about a finished call.
      const body = JSON.stringify({ timestamp: new Date().toISOString(), items: [{ type: 'call', event: 'callUpdated', payload: { id: call.id, status: 'ongoing', legs: [{ ...call.legs[0], status: 'ringing', answeredAt: null, endedAt: null }] } }] });
      expect(await t.double.post(webhookUrl(callId), body, 'not-a-jwt')).toBe(401);
      expect(await t.double.post(webhookUrl(callId), body, signRequest('another-key', webhookUrl(callId), body))).toBe(401);
      expect(await t.double.post(webhookUrl(callId), body, signRequest(TEST_SIGNING_KEY, webhookUrl(callId), '{"items":[]}'))).toBe(401);
      expect(await t.double.post(webhookUrl(callId), body, signRequest(TEST_SIGNING_KEY, webhookUrl('00000000-0000-4000-8000-000000000000'), body))).toBe(401);
      const unsigned = await fetch(webhookUrl(callId), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(unsigned.status).toBe(401);
      expect(((await unsigned.json()) as { status: string }).status).toBe('unauthorized');
      const flowFetch = await fetch(`${t.publicBaseUrl}/webhooks/messagebird/call-flow?callId=${callId}&seq=0&path=0&prompt=1`);
      expect(flowFetch.status).toBe(401);
      expect((await refusals()) - refusedBefore).toBe(6); // robocall_webhook_signature_failures_total
      expect(await eventRows(callId)).toEqual(rowsBefore);
      const after = await t.http.get('/status/mb-signature').set('x-credential-api-key', apiKey);
      expect(after.body.details).toEqual(before.body.details);
    });

    it('counts a redelivered webhook as a duplicate and applies it once; a late one never moves a call backwards', async () => {
      await submit('mb-duplicates', ['+6521000021']);
      const done = await t.waitForStatus(apiKey, 'mb-duplicates');
      const callId = done.details[0].callId;
      await t.double.settled();
      const call = t.double.calls.get(done.details[0].monitorData[0].uuid)!;
      const delivered = t.double.deliveries.filter((d) => d.callId === call.id);
      expect(delivered.map((d) => d.status)).toEqual(delivered.map(() => 200));
      const rowsBefore = await eventRows(callId);
      expect(rowsBefore.filter((r) => r.kind === 'webhook')).toHaveLength(delivered.length);

      // Every webhook again, last first: all acknowledged, each counted once more, nothing changed.
      for (const delivery of [...delivered].reverse()) expect(await t.double.redeliver(delivery)).toBe(200);
      const rowsAfter = await eventRows(callId);
      expect(rowsAfter).toEqual(rowsBefore.map((r) => ({ ...r, duplicates: r.kind === 'webhook' ? r.duplicates + 1 : r.duplicates })));

      // A ringing report that arrives after the end (new to us, so recorded) changes nothing.
      const late = JSON.stringify({ timestamp: new Date().toISOString(), items: [{ type: 'call', event: 'callUpdated', payload: { id: call.id, status: 'ongoing', legs: [{ ...call.legs[0], status: 'ringing', answeredAt: null, endedAt: null }] } }] });
      expect(await t.double.post(webhookUrl(callId), late)).toBe(200);
      expect(await eventRows(callId)).toHaveLength(rowsBefore.length + 1);
      const after = await t.waitForStatus(apiKey, 'mb-duplicates');
      expect(after.details).toEqual(done.details);
      expect(after.summary).toEqual(done.summary);
    });

    it('applies webhooks that arrive out of order: a ringing report held back until after the answer is ignored', async () => {
      let heldBack: { url: string; body: string } | undefined;
      t.double.webhookFilter = (delivery) => {
        if (delivery.body.includes('"destination":"6521000022"') && delivery.body.includes('"status":"ringing"') && !heldBack) {
          heldBack = delivery;
          return 'drop';
        }
        return 'deliver';
      };
      try {
        await submit('mb-out-of-order', ['+6521000022']);
        const done = await t.waitForStatus(apiKey, 'mb-out-of-order');
        expect(heldBack).toBeDefined();
        expect(await t.double.post(heldBack!.url, heldBack!.body)).toBe(200);
        const after = await t.waitForStatus(apiKey, 'mb-out-of-order');
        expect(after.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
        expect(after.details).toEqual(done.details);
      } finally {
        t.double.webhookFilter = () => 'deliver';
      }
    });

    it("settles a call from webhooks whose URL names no call of ours (configured on the number), matched by MessageBird's call id", async () => {
      // Every webhook about this number goes astray; the test delivers each again as a number's webhook would come.
      const astray: { url: string; body: string }[] = [];
      t.double.webhookFilter = (delivery) => {
        if (!delivery.body.includes('"destination":"6521000023"')) return 'deliver';
        astray.push(delivery);
        return 'drop';
      };
      try {
        await submit('mb-number-webhook', ['+6521000023']);
        await until('the call to end at the double', async () => (astray.some((d) => d.body.includes('"status":"ended"')) ? true : undefined), 20_000);
        const before = await t.http.get('/status/mb-number-webhook').set('x-credential-api-key', apiKey);
        const callId = before.body.details[0].callId;
        expect(before.body.details[0].call_state).not.toBe('ended'); // nothing told us yet: reconciliation is a minute away
        const numberWebhook = `${t.publicBaseUrl}/webhooks/messagebird`;
        for (const delivery of astray) expect(await t.double.post(numberWebhook, delivery.body)).toBe(200);
        const done = await t.waitForStatus(apiKey, 'mb-number-webhook');
        expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
        expect((await eventRows(callId)).filter((r) => r.kind === 'webhook')).toHaveLength(astray.length);
      } finally {
        t.double.webhookFilter = () => 'deliver';
      }
    });

    it('acknowledges a webhook about a call we do not know with 200, and records nothing', async () => {
      const unknown = '00000000-0000-4000-8000-000000000001';
      const body = JSON.stringify({ timestamp: new Date().toISOString(), items: [{ type: 'call', event: 'callUpdated', payload: { id: 'not-ours', status: 'ended', legs: [] } }] });
      expect(await t.double.post(webhookUrl(unknown), body)).toBe(200);
      expect(await t.double.post(`${t.publicBaseUrl}/webhooks/messagebird`, body)).toBe(200);
      expect(await eventRows(unknown)).toEqual([]);
    });

    it('keeps the event table append-only', async () => {
      await expect(db().query(`DELETE FROM messagebird_events`)).rejects.toThrow('append-only');
      await expect(db().query(`UPDATE messagebird_events SET body = '{}'`)).rejects.toThrow('append-only');
    });
  });
});
