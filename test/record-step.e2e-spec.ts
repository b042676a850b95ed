import { bytes, CALLEE_SCRIPTS, CALLEES, telephoneWav, voicemailFlow, wavFormat } from './support/left-messages';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const caller = '+6582674904';
const { spokeAndPressed: SPOKE_AND_PRESSED, silent: SILENT, hungUp: HUNG_UP, talkedTooLong: TALKED_TOO_LONG, untranscribable: UNTRANSCRIBABLE } = CALLEES;
const flow = voicemailFlow('en-US');

describe('the record step on the simulated voice platform', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: {
        default: { ringMs: 200 },
        numbers: CALLEE_SCRIPTS,
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const get = (path: string) => t.http.get(path).set('x-credential-api-key', apiKey);

  it('records what each callee said, how it ended, and its transcription, then goes on with the flow', async () => {
    const phones = [SPOKE_AND_PRESSED, SILENT, HUNG_UP, TALKED_TOO_LONG, UNTRANSCRIBABLE];
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId: 'voicemail', destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Ann' } })), callFlow: flow })
      .expect(200);
    const done = await t.waitForStatus(apiKey, 'voicemail');
    const byPhone = Object.fromEntries(done.details.map((d: any) => [d.destination, d]));
    // 1.5 s (at 100x speed: 15 ms) is not long after the call: the first reading may still say pending.
    expect(['pending', 'done']).toContain(byPhone[SPOKE_AND_PRESSED].callFlowSteps[1].info.transcription.status);

    const spoke = byPhone[SPOKE_AND_PRESSED];
    expect(spoke.callFlowSteps.map((s: any) => [s.stepName, s.info.status])).toEqual([
      ['play', 'success_ok'],
      ['record', 'success_ok'],
      ['play', 'success_ok'],
    ]);
    expect(spoke.callFlowSteps[1].info.recording).toEqual({
      id: expect.stringMatching(/^sim-rec-/),
      durationSeconds: 7,
      endedBy: 'key',
      status: 'done',
      file: `/status/voicemail/calls/${spoke.callId}/steps/1/recording.wav`,
    });

    const silent = byPhone[SILENT];
    expect(silent.callFlowSteps.map((s: any) => [s.stepName, s.info.status])).toEqual([
      ['play', 'success_ok'],
      ['record', 'no_input'],
      ['play', 'success_ok'],
    ]);
    expect(silent.callFlowSteps[1].info.recording).toBeUndefined();
    expect(silent.callFlowSteps[1].info.transcription).toBeUndefined();

    // The callee hung up while speaking: the message is kept, and the flow ends there.
    const hungUp = byPhone[HUNG_UP];
    expect(hungUp.call_status).toBe('answered');
    expect(hungUp.callFlowSteps.map((s: any) => s.stepName)).toEqual(['play', 'record', 'play']);
    expect(hungUp.callFlowSteps[1].info).toMatchObject({ status: 'success_ok', recording: { durationSeconds: 4, endedBy: 'hangup' } });
    expect(hungUp.callFlowSteps[2].info.status).toBe('interrupted');

    expect(byPhone[TALKED_TOO_LONG].callFlowSteps[1].info.recording).toMatchObject({ durationSeconds: 10, endedBy: 'maxLength' });
    expect(done.summary).toMatchObject({ total: 5, answered: 5, leftMessage: 4 });

    // Transcriptions arrive after the calls: pending, then done (or failed without a scripted transcript).
    const transcriptionOf = async (phone: string) => {
      const status = await get('/status/voicemail?perPage=10').expect(200);
      return status.body.details.find((d: any) => d.destination === phone).callFlowSteps[1].info.transcription;
    };
    const settled = (phone: string) => until(`the transcription of ${phone}`, async () => {
      const transcription = await transcriptionOf(phone);
      return transcription?.status === 'pending' ? undefined : transcription;
    });
    expect(await settled(SPOKE_AND_PRESSED)).toEqual({ status: 'done', text: 'I will pay on Friday' });
    expect(await settled(UNTRANSCRIBABLE)).toEqual({ status: 'failed', text: null });
    expect(await settled(HUNG_UP)).toEqual({ status: 'done', text: 'call me later' });
  });

  it('streams the message as an 8 kHz 16-bit mono WAV of its length, and its transcription as text and JSON', async () => {
    const status = await get(`/status/voicemail?phone=${SPOKE_AND_PRESSED.slice(1)}`).expect(200);
    const detail = status.body.details[0];
    const audio = await get(detail.callFlowSteps[1].info.recording.file)
      .buffer(true)
      .parse(bytes)
      .expect(200)
      .expect('Content-Type', 'audio/wav');
    expect(wavFormat(audio.body)).toEqual(telephoneWav(7));

    const base = `/status/voicemail/calls/${detail.callId}/steps/1`;
    const text = await get(`${base}/transcription.txt`).expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toBe('I will pay on Friday');
    const json = await get(`${base}/transcription`).expect(200);
    expect(json.body).toMatchObject({ seq: 1, path: 'steps[1]', recording: { durationSeconds: 7, endedBy: 'key' }, transcription: { status: 'done' } });

    // Steps that are not a left message, and other organizations, get nothing.
    await get(`/status/voicemail/calls/${detail.callId}/steps/0/recording.wav`).expect(404);
    await get(`/status/voicemail/calls/${detail.callId}/steps/9/recording.wav`).expect(404);
    const other = await t.createOrganization(1, 'other');
    await t.http.get(`${base}/recording.wav`).set('x-credential-api-key', other.apiKey).expect(404);
    await t.http.get(`${base}/recording.wav`).expect(401);
  });

  it('filters the destinations that left a message, and exports their length, audio link and transcription', async () => {
    const left = await get('/status/voicemail?leftMessage=true').expect(200);
    expect(left.body.details.map((d: any) => d.destination).sort()).toEqual([SPOKE_AND_PRESSED, HUNG_UP, TALKED_TOO_LONG, UNTRANSCRIBABLE].sort());
    expect(left.body.pagination.total).toBe(4);
    const none = await get('/status/voicemail?leftMessage=false').expect(200);
    expect(none.body.details.map((d: any) => d.destination)).toEqual([SILENT]);

    const csv = await get('/status/voicemail/export.csv').expect(200);
    const [header, ...rows] = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    const columns = header.split(',');
    const cell = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
    const spoke = rows.find((row) => row.includes(SPOKE_AND_PRESSED))!;
    expect(cell(spoke, 'messageSeconds')).toBe('7');
    expect(cell(spoke, 'messageFile')).toMatch(/^\/status\/voicemail\/calls\/[0-9a-f-]{36}\/steps\/1\/recording\.wav$/);
    expect(cell(spoke, 'messageTranscription')).toBe('I will pay on Friday');
    const silent = rows.find((row) => row.includes(SILENT))!;
    expect([cell(silent, 'messageSeconds'), cell(silent, 'messageFile'), cell(silent, 'messageTranscription')]).toEqual(['', '', '']);
  });

  it('refuses record options out of range, unknown keys and misspelt fields, naming each field, and stores nothing', async () => {
    const submit = (requestId: string, step: object) =>
      t.http
        .post('/call')
        .set('x-credential-api-key', apiKey)
        .send({ requestId, destinations: [{ phone: SILENT, caller }], callFlow: { steps: [step] } });
    const cases: [object, string, RegExp][] = [
      [{ name: 'record', maxLength: 0 }, 'callFlow.steps[0].maxLength', /from 1 to 3600/],
      [{ name: 'record', maxLength: 3601 }, 'callFlow.steps[0].maxLength', /from 1 to 3600/],
      [{ name: 'record', timeout: 61 }, 'callFlow.steps[0].timeout', /from 1 to 60/],
      [{ name: 'record', endKey: 'x' }, 'callFlow.steps[0].endKey', /one key/],
      [{ name: 'record', transcribe: true, transcribeLocale: 'xx-YY' }, 'callFlow.steps[0].transcribeLocale', /must be one of/],
      [{ name: 'record', beep: 'loud' }, 'callFlow.steps[0].beep', /true or false/],
      [{ name: 'record', maxLenght: 30 }, 'callFlow.steps[0].maxLenght', /did you mean "maxLength"/],
    ];
    for (const [i, [step, field, message]] of cases.entries()) {
      const res = await submit(`bad-record-${i}`, step).expect(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
      await get(`/status/bad-record-${i}`).expect(404);
    }
  });

  it('takes the documented defaults: 60 s, 5 s of silence, #, a beep, no transcription', async () => {
    const dry = await t.http
      .post('/call?dryRun=true')
      .set('x-credential-api-key', apiKey)
      .send({ requestId: 'defaults', destinations: [{ phone: SILENT, caller }], callFlow: { steps: [{ name: 'record' }] } })
      .expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, rejected: 0 });
  });
});
