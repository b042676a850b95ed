import { bytes, CALLEE_SCRIPTS, CALLEES, telephoneWav, voicemailFlow, wavFormat } from './support/left-messages';
import { until } from './support/polling';
import { MessageBirdTestApp, startMessageBirdTestApp, TEST_ACCESS_KEY } from './support/messagebird-double/messagebird-test-app';

const caller = '+6582674904';
const { spokeAndPressed: SPOKE_AND_PRESSED, silent: SILENT, hungUp: HUNG_UP, talkedTooLong: TALKED_TOO_LONG, untranscribable: UNTRANSCRIBABLE } = CALLEES;
const flow = voicemailFlow('en-GB');

describe('the record step on MessageBird classic, against the MessageBird double over HTTP', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startMessageBirdTestApp({
      script: {
        default: { ringMs: 200 },
        numbers: CALLEE_SCRIPTS,
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const get = (path: string) => t.http.get(path).set('x-credential-api-key', apiKey);
  const stepsOf = (detail: any) => detail.callFlowSteps.map((s: any) => [s.stepName, s.info.status]);
  const transcriptionOf = async (phone: string) => {
    const status = await get('/status/mb-voicemail?perPage=10').expect(200);
    return status.body.details.find((d: any) => d.destination === phone).callFlowSteps[1].info.transcription;
  };
  const settled = (phone: string) =>
    until(`the transcription of ${phone}`, async () => {
      const transcription = await transcriptionOf(phone);
      return transcription?.status === 'pending' ? undefined : transcription;
    });

  it('records each message with its length and how it ended, then its transcription, on a recorded call', async () => {
    const phones = [SPOKE_AND_PRESSED, SILENT, HUNG_UP, TALKED_TOO_LONG, UNTRANSCRIBABLE];
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({
        requestId: 'mb-voicemail',
        // The whole call is recorded too: that recording is not taken for the step's (A12).
        enableCallRecording: true,
        destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Ann' } })),
        callFlow: flow,
      })
      .expect(200);
    await t.waitForStatus(apiKey, 'mb-voicemail');
    // A step's message is read from MessageBird once the step has ended: wait until no record step is in progress.
    const done = await until('every record step settled', async () => {
      const status = (await get('/status/mb-voicemail?perPage=10').expect(200)).body;
      return status.details.every((d: any) => d.callFlowSteps[1]?.info.status !== 'in_progress') ? status : undefined;
    });
    const byPhone = Object.fromEntries(done.details.map((d: any) => [d.destination, d]));

    const spoke = byPhone[SPOKE_AND_PRESSED];
    expect(stepsOf(spoke)).toEqual([
      ['play', 'success_ok'],
      ['record', 'success_ok'],
      ['play', 'success_ok'],
    ]);
    const mbCall = [...t.double.calls.values()].find((c) => c.destination === SPOKE_AND_PRESSED.slice(1))!;
    const stepRecording = mbCall.recordings.find((r) => r.kind === 'step')!;
    expect(spoke.callFlowSteps[1].info.recording).toEqual({
      id: stepRecording.id,
      durationSeconds: 7,
      endedBy: 'key',
      status: 'done',
      file: `/status/mb-voicemail/calls/${spoke.callId}/steps/1/recording.wav`,
    });
    expect(mbCall.recordings.map((r) => r.kind).sort()).toEqual(['call', 'step']);
    // What MessageBird was asked: a beep it could play (a WAV we serve), then the record action with the step's options.
    expect(mbCall.played).toEqual([expect.objectContaining({ media: `${t.publicBaseUrl}/webhooks/messagebird/beep.wav`, status: 200, type: 'audio/wav', head: 'RIFF' })]);
    expect(mbCall.recorded).toEqual([
      expect.objectContaining({ options: { maxLength: 10, timeout: 3, finishOnKey: '#', transcribe: true, transcribeLanguage: 'en-UK' }, endedBy: 'key', key: '#' }),
    ]);

    const silent = byPhone[SILENT];
    expect(stepsOf(silent)).toEqual([
      ['play', 'success_ok'],
      ['record', 'no_input'],
      ['play', 'success_ok'],
    ]);
    expect(silent.callFlowSteps[1].info.recording).toBeUndefined();
    expect(silent.callFlowSteps[1].info.transcription).toBeUndefined();

    // The callee hung up while speaking: the message is kept, and the call ends there.
    const hungUp = byPhone[HUNG_UP];
    expect(hungUp.call_status).toBe('answered');
    expect(hungUp.callFlowSteps.map((s: any) => s.stepName)).toEqual(['play', 'record']);
    expect(hungUp.callFlowSteps[1].info).toMatchObject({ status: 'success_ok', recording: { durationSeconds: 4, endedBy: 'hangup' } });

    expect(byPhone[TALKED_TOO_LONG].callFlowSteps[1].info.recording).toMatchObject({ durationSeconds: 10, endedBy: 'maxLength' });
    expect(byPhone[UNTRANSCRIBABLE].callFlowSteps[1].info.recording).toMatchObject({ durationSeconds: 2, endedBy: 'silence' });
    expect(done.summary).toMatchObject({ total: 5, answered: 5, leftMessage: 4 });

    // Transcriptions come from MessageBird after the recording: done, or failed when it could not transcribe.
    expect(await settled(SPOKE_AND_PRESSED)).toEqual({ status: 'done', text: 'I will pay on Friday' });
    expect(await settled(HUNG_UP)).toEqual({ status: 'done', text: 'call me later' });
    expect(await settled(TALKED_TOO_LONG)).toEqual({ status: 'done', text: 'a very long story' });
    expect(await settled(UNTRANSCRIBABLE)).toEqual({ status: 'failed', text: null });
  });

  it("streams the message's WAV through our API with MessageBird's key kept inside, and its transcription as text", async () => {
    const status = await get(`/status/mb-voicemail?phone=${SPOKE_AND_PRESSED.slice(1)}`).expect(200);
    const detail = status.body.details[0];
    const before = t.double.requests.length;
    const audio = await get(detail.callFlowSteps[1].info.recording.file)
      .buffer(true)
      .parse(bytes)
      .expect(200)
      .expect('Content-Type', 'audio/wav');
    expect(wavFormat(audio.body)).toEqual(telephoneWav(7));
    const wavRequest = t.double.requests.slice(before).find((r) => r.path.endsWith('.wav'))!;
    expect(wavRequest.headers.authorization).toBe(`AccessKey ${TEST_ACCESS_KEY}`);
    expect(JSON.stringify(status.body)).not.toContain(t.double.url);
    expect(JSON.stringify(status.body)).not.toContain(TEST_ACCESS_KEY);

    const base = `/status/mb-voicemail/calls/${detail.callId}/steps/1`;
    const text = await get(`${base}/transcription.txt`).expect(200);
    expect(text.text).toBe('I will pay on Friday');
    const json = await get(`${base}/transcription`).expect(200);
    expect(json.body).toMatchObject({ seq: 1, path: 'steps[1]', recording: { durationSeconds: 7, endedBy: 'key' }, transcription: { status: 'done' } });
    await get(`/status/mb-voicemail/calls/${detail.callId}/steps/0/recording.wav`).expect(404);
  });

  it('refuses, naming the field and the platform, an end key or a transcription language MessageBird classic does not have', async () => {
    const submit = (requestId: string, step: object, dryRun = false) =>
      t.http
        .post(`/call${dryRun ? '?dryRun=true' : ''}`)
        .set('x-credential-api-key', apiKey)
        .send({ requestId, destinations: [{ phone: SILENT, caller }], callFlow: { steps: [step] } });
    const endKey = await submit('mb-bad-end-key', { name: 'record', endKey: '5' }).expect(400);
    expect(endKey.body.errors).toEqual(expect.arrayContaining([{ field: 'callFlow.steps[0].endKey', message: expect.stringMatching(/MessageBird classic/) }]));
    const locale = await submit('mb-bad-locale', { name: 'record', transcribe: true, transcribeLocale: 'ja-JP' }).expect(400);
    expect(locale.body.errors).toEqual(expect.arrayContaining([{ field: 'callFlow.steps[0].transcribeLocale', message: expect.stringMatching(/MessageBird classic/) }]));
    await get('/status/mb-bad-end-key').expect(404);
    await get('/status/mb-bad-locale').expect(404);
    // The same locale is fine when nothing is transcribed.
    const untranscribed = await submit('mb-untranscribed', { name: 'record', transcribe: false, transcribeLocale: 'ja-JP' }, true).expect(200);
    expect(untranscribed.body).toMatchObject({ dryRun: true, rejected: 0 });
  });
});
