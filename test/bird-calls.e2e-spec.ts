import { DataSource } from 'typeorm';
import { SEED_EXAMPLE } from './support/seed-example';
import { BIRD_ACCESS_KEY, BIRD_SIGNING_KEY, BirdTestApp, startBirdTestApp } from './support/bird-double/bird-test-app';
import { birdSignature } from '../src/voice/bird/bird-signature';
import { until } from './support/polling';

const caller = '+6582674904';
const hello = { steps: [{ name: 'play', message: { msg: 'hello {{name}}' } }] };
const steps = (detail: any) => detail.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.userPressedDigits, s.info.transfer_status]);

jest.setTimeout(60_000);

describe('campaigns through VOICE_PROVIDER=bird, against the Bird double over HTTP', () => {
  let t: BirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startBirdTestApp({
      script: {
        default: { ringMs: 500 },
        numbers: {
          '+84917660247': { digits: ['1'] },
          '+84912860330': { digits: ['0'], transfer: 'answered' },
          '+6521000001': { answer: 'busy' },
          '+6521000002': { answer: 'no_answer' },
          '+6521000003': { answer: 'failed' },
          '+6521000004': { digits: ['7', '', '2'] },
          '+6521000005': { digits: ['1'], transfer: 'busy' },
          '+6521000006': { hangupAfterMs: 1000 },
          '+6521000007': { ringMs: 60_000 },
          '+6521000008': { record: { seconds: 7, endedBy: 'key', transcript: 'I will pay on Friday' } },
        },
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const submit = (requestId: string, phones: string[], callFlow: object = hello) =>
    t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId, destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Kim' } })), callFlow })
      .expect(200);
  const db = () => t.app.get(DataSource);
  const placedTo = (phone: string) => [...t.double.calls.values()].filter((c) => c.to === phone);

  it("runs the seed Robo call example: its branches, the nested gather's default, the bridge to Ext:1000, and recording", async () => {
    await t.http.post('/call').set('x-credential-api-key', apiKey).send(SEED_EXAMPLE).expect(200);
    const done = await t.waitForStatus(apiKey, SEED_EXAMPLE.requestId);
    const [first, second] = done.details;
    expect(done.summary).toMatchObject({ total: 2, ended: 2, answered: 2 });
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
    expect(steps(second)).toEqual([
      ['play', 'success_ok', '', null],
      ['gather', 'success_ok', '0', null],
      ['transfer', 'success_ok', '', 'answered'],
    ]);
    expect(second.monitorData).toEqual([expect.objectContaining({ type: 'outbound', dest: '+84912860330' }), expect.objectContaining({ type: 'transfer', dest: 'Ext:1000' })]);

    // What Bird was asked to do: the first step with the placement, then one command per step, the hang-up at the end.
    const firstCall = placedTo('+84917660247')[0];
    const secondCall = placedTo('+84912860330')[0];
    expect(first.monitorData[0].uuid).toBe(firstCall.id);
    expect(firstCall).toMatchObject({ from: caller, record: true, status: 'completed' });
    expect(firstCall.commands.map((c) => c.command)).toEqual(['say', 'gather', 'gather', 'gather', 'gather', 'say', 'hangup']);
    expect(firstCall.commands[0].options).toEqual({ text: 'thanks Alex', locale: 'en-US', voice: 'male' });
    expect(firstCall.commands[1].options).toEqual({
      maxNumKeys: 1,
      timeout: 5,
      retries: 0,
      input: 'dtmf',
      say: { text: 'Dear Mr Alex, the amount of 200,000$ will be due on August 20th, 2020', locale: 'en-US', voice: 'female' },
    });
    expect(secondCall.commands.map((c) => c.command)).toEqual(['say', 'gather', 'bridge']);
    expect(secondCall.commands[2].options).toMatchObject({ to: 'sip:1000@pbx.example.com', hangupAfterBridge: true });
    expect(secondCall.bridges).toEqual([expect.objectContaining({ to: 'sip:1000@pbx.example.com', status: 'completed' })]);
    const placements = t.double.requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path));
    expect(placements).toHaveLength(2);
    for (const r of placements) {
      expect(r.headers.authorization).toBe(`AccessKey ${BIRD_ACCESS_KEY}`);
      expect(JSON.parse(r.body).notification.url).toMatch(new RegExp(`^${t.publicBaseUrl}/webhooks/bird\\?callId=`));
    }
  });

  it("collects a recorded call's recordings onto the call and streams them through our API, never handing out Bird's key", async () => {
    const done = await t.waitForStatus(apiKey, SEED_EXAMPLE.requestId);
    const callId = done.details[0].callId;
    const stored = await until('the recordings collected', async () => {
      const d = (await t.http.get(`/status/${SEED_EXAMPLE.requestId}`).set('x-credential-api-key', apiKey)).body.details[0];
      return d.recordings?.[0]?.status === 'done' ? d.recordings : undefined;
    });
    expect(stored).toEqual([{ id: expect.any(String), status: 'done', duration: expect.any(Number), createdAt: expect.any(String), file: `/status/request_10/calls/${callId}/recordings/${stored[0].id}.wav` }]);
    const listed = await t.http.get(`/status/${SEED_EXAMPLE.requestId}/calls/${callId}/recordings`).set('x-credential-api-key', apiKey).expect(200);
    expect(listed.body.recordings).toEqual(stored);
    expect(JSON.stringify(listed.body)).not.toContain(BIRD_ACCESS_KEY);
    const audio = await t.http.get(stored[0].file).set('x-credential-api-key', apiKey).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect((audio.body as Buffer).subarray(0, 4).toString()).toBe('RIFF');
    await t.http.get(stored[0].file).expect(401);
    const other = await t.createOrganization(1, 'Other organization');
    await t.http.get(stored[0].file).set('x-credential-api-key', other.apiKey).expect(404);
  });

  it('records a message with its transcription, and streams its WAV through our API without Bird\'s key', async () => {
    const flow = { steps: [{ name: 'play', message: { msg: 'Leave a message after the tone' } }, { name: 'record', maxLength: 30, timeout: 3, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-GB' }, { name: 'play', message: { msg: 'Thank you' } }] };
    await submit('bird-record', ['+6521000008'], flow);
    const done = await t.waitForStatus(apiKey, 'bird-record');
    const detail = done.details[0];
    expect(steps(detail)).toEqual([
      ['play', 'success_ok', '', null],
      ['record', 'success_ok', '', null],
      ['play', 'success_ok', '', null],
    ]);
    const call = placedTo('+6521000008')[0];
    expect(call.commands[1]).toMatchObject({ command: 'record', options: { maxLength: 30, timeout: 3, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-GB' } });
    expect(detail.callFlowSteps[1].info.recording).toMatchObject({ id: expect.any(String), durationSeconds: 7, endedBy: 'key' });
    const withText = await until('the transcription', async () => {
      const d = (await t.http.get('/status/bird-record').set('x-credential-api-key', apiKey)).body.details[0];
      return d.callFlowSteps[1].info.transcription?.status === 'done' ? d : undefined;
    });
    expect(withText.callFlowSteps[1].info.transcription).toEqual({ status: 'done', text: 'I will pay on Friday' });

    const audio = await t.http
      .get(`/status/bird-record/calls/${detail.callId}/steps/1/recording.wav`)
      .set('x-credential-api-key', apiKey)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(audio.status).toBe(200);
    const wav = audio.body as Buffer;
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect([wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual([1, 8000, 16]);
    expect(wav.length).toBe(44 + 7 * 8000 * 2);
    expect(JSON.stringify(withText)).not.toContain(BIRD_ACCESS_KEY);
    expect(JSON.stringify(withText)).not.toContain(t.double.url);
  });

  it('records busy, no answer and failed calls as Bird reports them, without running their flow', async () => {
    await submit('bird-unanswered', ['+6521000001', '+6521000002', '+6521000003']);
    const done = await t.waitForStatus(apiKey, 'bird-unanswered');
    expect(done.details.map((d: any) => [d.call_status, d.call_state, d.callFlowSteps.length])).toEqual([
      ['busy', 'ended', 0],
      ['no_answer', 'ended', 0],
      ['failed', 'ended', 0],
    ]);
    expect(done.details[2].failureReason).toContain('Bird reported the call failed');
    expect(done.summary).toMatchObject({ total: 3, busy: 1, no_answer: 1, failed: 1, answered: 0 });
  });

  it('re-prompts a gather on a key no branch takes and on silence, then follows the branch of the key pressed', async () => {
    const flow = {
      steps: [
        {
          name: 'gather',
          message: { msg: 'Press 1 or 2', language: 'nl' },
          branches: [
            { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'one' } }] } },
            { digit: '2', callFlow: { steps: [{ name: 'play', message: { msg: 'two', gender: 'male', language: 'zh' } }] } },
          ],
        },
      ],
    };
    await submit('bird-reprompt', ['+6521000004'], flow);
    const done = await t.waitForStatus(apiKey, 'bird-reprompt');
    expect(steps(done.details[0])).toEqual([
      ['gather', 'success_ok', '2', null],
      ['play', 'success_ok', '', null],
    ]);
    const call = placedTo('+6521000004')[0];
    expect(call.commands.map((c) => [c.command, c.options.say?.locale ?? c.options.locale])).toEqual([
      ['gather', 'nl-NL'],
      ['gather', 'nl-NL'],
      ['gather', 'nl-NL'],
      ['say', 'cmn-CN'],
      ['hangup', undefined],
    ]);
  });

  it('goes on after a bridge that was not answered', async () => {
    const flow = { steps: [{ name: 'gather', message: { msg: 'Press 1 for an agent' }, branches: [{ digit: '1', callFlow: { steps: [{ name: 'transfer', destination: '+6598765432' }, { name: 'play', message: { msg: 'Nobody is free' } }] } }] }] };
    await submit('bird-transfer-busy', ['+6521000005'], flow);
    const done = await t.waitForStatus(apiKey, 'bird-transfer-busy');
    expect(steps(done.details[0])).toEqual([
      ['gather', 'success_ok', '1', null],
      ['transfer', 'failed', '', 'busy'],
      ['play', 'success_ok', '', null],
    ]);
  });

  it('marks the step the callee hung up in as interrupted', async () => {
    await submit('bird-hangup', ['+6521000006'], { steps: [{ name: 'play', message: { msg: 'x'.repeat(300) } }, { name: 'play', message: { msg: 'never heard' } }] });
    const done = await t.waitForStatus(apiKey, 'bird-hangup');
    expect(done.details[0].call_status).toBe('answered');
    expect(done.details[0].callFlowSteps.map((s: any) => [s.stepName, s.info.status])).toEqual([['play', 'interrupted']]);
  });

  it("fails a call Bird refuses (422) with Bird's message naming the field, and never places it again", async () => {
    t.double.failNext({ method: 'POST', path: /\/calls$/, to: '+6521000010', reply: { status: 422, body: { code: 'InvalidPayload', message: 'The request did not pass validation', details: { to: ['is not a reachable number'] } } } });
    await submit('bird-refused', ['+6521000010']);
    const done = await t.waitForStatus(apiKey, 'bird-refused');
    expect(done.details[0]).toMatchObject({ call_status: 'failed', call_state: 'ended' });
    expect(done.details[0].failureReason).toContain('Bird error InvalidPayload: The request did not pass validation — to: is not a reachable number (HTTP 422)');
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.body.includes('"to":"+6521000010"'))).toHaveLength(1);
    expect(placedTo('+6521000010')).toHaveLength(0);
  });

  it('places a call again after a 5xx, and only once it went through', async () => {
    t.double.failNext({ method: 'POST', path: /\/calls$/, to: '+6521000011', reply: { status: 503, body: { code: 'ServiceUnavailable', message: 'try later' } } });
    await submit('bird-retried', ['+6521000011']);
    const done = await t.waitForStatus(apiKey, 'bird-retried');
    expect(done.details[0]).toMatchObject({ call_status: 'answered', call_state: 'ended' });
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.body.includes('"to":"+6521000011"'))).toHaveLength(2);
    expect(placedTo('+6521000011')).toHaveLength(1);
  });

  it('hangs up a call still ringing when its campaign is cancelled with hangup=true', async () => {
    await submit('bird-cancelled', ['+6521000007']);
    const placed = await until('the call ringing', async () => placedTo('+6521000007').find((c) => c.status === 'ringing'));
    await t.http.post('/status/bird-cancelled/cancel?hangup=true').set('x-credential-api-key', apiKey).expect(200);
    const detail = await until('the call ended', async () => {
      const d = (await t.http.get('/status/bird-cancelled').set('x-credential-api-key', apiKey)).body.details[0];
      return d.call_state === 'ended' ? d : undefined;
    });
    expect(detail).toMatchObject({ call_status: 'cancelled', call_state: 'ended' });
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/calls/${placed.id}/hangup`))).toHaveLength(1);
    expect(placed.status).toBe('canceled');
  });

  describe('webhooks', () => {
    const webhookUrl = (callId: string) => `${t.publicBaseUrl}/webhooks/bird?callId=${callId}`;
    const eventRows = (callId: string) => db().query(`SELECT provider_call_id, duplicates FROM bird_events WHERE call_id = $1 ORDER BY id`, [callId]) as Promise<unknown[]>;

    it('refuses a missing, forged or stale signature with 401 and applies nothing', async () => {
      await submit('bird-signature', ['+6521000020']);
      const before = await t.waitForStatus(apiKey, 'bird-signature');
      const callId = before.details[0].callId;
      await t.double.settled();
      const rowsBefore = await eventRows(callId);
      const call = placedTo('+6521000020')[0];
      const body = t.double.webhookBody({ ...call, status: 'ringing' });
      const url = webhookUrl(callId);
      const now = String(Math.floor(Date.now() / 1000));
      expect(await t.double.post(url, body, { signature: 'bm90IGEgc2lnbmF0dXJl' })).toBe(401);
      expect(await t.double.post(url, body, { signature: birdSignature('another-key', now, url, body), timestamp: now })).toBe(401);
      expect(await t.double.post(url, body, { signature: birdSignature(BIRD_SIGNING_KEY, now, webhookUrl('00000000-0000-4000-8000-000000000000'), body), timestamp: now })).toBe(401);
      const stale = String(Math.floor(Date.now() / 1000) - 600);
      expect(await t.double.post(url, body, { signature: birdSignature(BIRD_SIGNING_KEY, stale, url, body), timestamp: stale })).toBe(401);
      const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(unsigned.status).toBe(401);
      expect(await eventRows(callId)).toEqual(rowsBefore);
      const after = await t.http.get('/status/bird-signature').set('x-credential-api-key', apiKey);
      expect(after.body.details).toEqual(before.details);
    });

    it('keeps every webhook once (a redelivery is counted, not applied again) and never moves a call backwards', async () => {
      await submit('bird-duplicates', ['+6521000021']);
      const done = await t.waitForStatus(apiKey, 'bird-duplicates');
      const callId = done.details[0].callId;
      await t.double.settled();
      const call = placedTo('+6521000021')[0];
      const delivered = t.double.deliveries.filter((d) => d.callId === call.id);
      expect(delivered.map((d) => d.status)).toEqual(delivered.map(() => 200));
      expect(await eventRows(callId)).toHaveLength(delivered.length);
      for (const delivery of [...delivered].reverse()) expect(await t.double.post(delivery.url, delivery.body)).toBe(200);
      const rows = (await eventRows(callId)) as { duplicates: number }[];
      expect(rows.map((r) => r.duplicates)).toEqual(delivered.map(() => 1));
      // A ringing report after the end (new, so recorded) changes nothing.
      expect(await t.double.post(webhookUrl(callId), t.double.webhookBody({ ...call, status: 'ringing' }))).toBe(200);
      const after = await t.waitForStatus(apiKey, 'bird-duplicates');
      expect(after.details).toEqual(done.details);
    });

    it('acknowledges a webhook about a call we do not know with 200, and records nothing', async () => {
      const unknown = '00000000-0000-4000-8000-000000000001';
      const body = JSON.stringify({ service: 'channels', event: 'voice.outbound', payload: { id: 'not-ours', status: 'completed' } });
      expect(await t.double.post(webhookUrl(unknown), body)).toBe(200);
      expect(await t.double.post(`${t.publicBaseUrl}/webhooks/bird`, body)).toBe(200);
      expect(await eventRows(unknown)).toEqual([]);
    });

    it('keeps the event table append-only', async () => {
      await expect(db().query(`DELETE FROM bird_events`)).rejects.toThrow('append-only');
      await expect(db().query(`UPDATE bird_events SET body = '{}'`)).rejects.toThrow('append-only');
    });
  });
});
