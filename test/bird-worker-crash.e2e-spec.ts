import { randomBytes } from 'node:crypto';
import { birdProcessEnv, newBirdDouble } from './support/bird-double/bird-test-app';
import { until } from './support/polling';
import { PlatformCluster } from './support/platform-cluster';

/**
 * A worker placing calls on Bird is killed (SIGKILL) mid-campaign. Its calls go on at Bird; once their
 * slot leases have expired, another worker asks what became of each: a call Bird placed is taken over and
 * rebuilt from bird_events (the webhooks the API processes kept) and Bird's view, whether it is still
 * talking or finished its flow meanwhile (the adopter sends the hang-up the dead worker never sent); a call
 * whose placement never reached Bird is dialed again. Real processes of the built service; the double here.
 */
const LEASE_TTL_MS = 6000;
const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
const caller = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: '{{text}}' } }] };
// At speed 5 the double speaks 12 ms a character: A talks for about 11 s, B for about 1.8 s.
const A = '+6540000001';
const B = '+6540000002';
const C = '+6540000003';
const OTHERS = ['+6540000004', '+6540000005'];
const text = (phone: string) => (phone === A ? 'a'.repeat(900) : phone === B ? 'b'.repeat(150) : 'short message');

jest.setTimeout(120_000);

describe('a worker killed while its calls run on Bird', () => {
  const double = newBirdDouble({ speed: 5, default: { ringMs: 500 } });
  const cluster = new PlatformCluster({
    double,
    platformEnv: birdProcessEnv,
    env: {
      // A placement that gets no answer stays in flight until the worker is killed.
      BIRD_REQUEST_TIMEOUT_MS: '30000',
      SLOT_LEASE_TTL_MS: String(LEASE_TTL_MS),
      RECONCILE_INTERVAL_MS: '500',
      LOG_LEVEL: 'warn',
    },
    organization: { name: 'Crash', maxConcurrentCalls: 3 },
    metricsToken: METRICS_TOKEN,
  });

  beforeAll(() => cluster.start(), 120_000);
  afterAll(() => cluster.stop());

  const http = (path: string, init: RequestInit = {}) => cluster.http(path, init);
  const status = async () => (await (await http('/status/crash?perPage=100')).json()) as any;
  const placedTo = (phone: string) => [...double.calls.values()].filter((call) => call.to === phone);

  it('takes over the calls Bird placed, finishes their flows from the kept webhooks, and dials again only the one never placed', async () => {
    double.failNext({ method: 'POST', path: /\/calls$/, to: C, reply: 'hang' });
    const first = await cluster.startWorker('worker-1');
    const destinations = [A, B, C, ...OTHERS].map((phone) => ({ phone, caller, properties: { text: text(phone) } }));
    expect((await http('/call', { method: 'POST', body: JSON.stringify({ requestId: 'crash', destinations, callFlow: flow }) })).status).toBe(200);

    await until('A and B answered, C placing', async () => {
      const answered = [A, B].every((phone) => placedTo(phone)[0]?.status === 'ongoing');
      const placing = double.requests.some((r) => r.method === 'POST' && r.body.includes(`"to":"${C}"`));
      return answered && placing ? true : undefined;
    });
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await cluster.startWorker('worker-2');

    // B finishes its say while nobody follows it: its call stays up at Bird, waiting for a command.
    await until('B said its message', async () => (placedTo(B)[0]?.commands.length === 1 && double.deliveries.some((d) => d.callId === placedTo(B)[0].id && d.body.includes('"command"')) ? true : undefined));
    const done = await until('the campaign completed', async () => {
      const s = await status();
      return s.status === 'completed' ? s : (await new Promise((r) => setTimeout(r, 200)), undefined);
    }, 60_000);
    const byPhone = new Map<string, any>(done.details.map((d: any) => [d.destination, d]));

    for (const phone of [A, B, C, ...OTHERS]) {
      expect(placedTo(phone)).toHaveLength(1);
      expect(byPhone.get(phone)).toMatchObject({ call_state: 'ended', call_status: 'answered', monitorData: [expect.objectContaining({ uuid: placedTo(phone)[0].id })] });
      expect(byPhone.get(phone).callFlowSteps).toEqual([expect.objectContaining({ stepName: 'play', info: expect.objectContaining({ status: 'success_ok' }) })]);
    }
    expect(done.summary).toMatchObject({ total: 5, ended: 5, answered: 5, failed: 0 });
    // A was followed to its real end after the takeover; B's flow was finished by the adopter, which hung it up.
    expect(Date.parse(byPhone.get(A).endedAt)).toBeGreaterThan(killedAt + LEASE_TTL_MS);
    expect(placedTo(B)[0].commands.map((c) => c.command)).toEqual(['say', 'hangup']);
    expect(placedTo(B)[0].endReason).toBe('hung up through the API');
    // C's first placement never created a call: it was dialed again, once.
    expect(byPhone.get(C).attempts).toBe(1);
    expect(double.requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.body.includes(`"to":"${C}"`))).toHaveLength(2);
  });
});

/**
 * A worker is killed (SIGKILL) right after its call ended, while Bird is still transcribing the call's record
 * step and making its whole-call recording. Both are read by bull jobs kept in Redis: another worker started
 * afterwards finishes them (the transcription lands `done` with its text, the recordings are stored).
 */
describe('a worker killed right after its recorded call with a record step ended on Bird', () => {
  // At speed 5: the transcription and the call's recording are ready 12 s after the recording/the call ended.
  const double = newBirdDouble({
    speed: 5,
    transcriptionMs: 60_000,
    recordingProcessingMs: 60_000,
    default: { ringMs: 500, record: { seconds: 5, endedBy: 'key', transcript: 'I will pay on Friday' } },
  });
  const cluster = new PlatformCluster({
    double,
    platformEnv: birdProcessEnv,
    env: { BIRD_TRANSCRIPTION_POLL_MS: '500', SLOT_LEASE_TTL_MS: String(LEASE_TTL_MS), RECONCILE_INTERVAL_MS: '500', LOG_LEVEL: 'warn' },
    organization: { name: 'Voicemail', maxConcurrentCalls: 2 },
    metricsToken: METRICS_TOKEN,
  });
  const phone = '+6540000011';
  const voicemailFlow = {
    steps: [
      { name: 'play', message: { msg: 'Leave a message after the tone' } },
      { name: 'record', maxLength: 30, timeout: 3, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-US' },
      { name: 'play', message: { msg: 'Thank you' } },
    ],
  };

  beforeAll(() => cluster.start(), 120_000);
  afterAll(() => cluster.stop());

  const status = async () =>
    (await (await cluster.http('/status/voicemail-crash')).json()) as any;
  const reads = (pattern: RegExp) => double.requests.filter((r) => r.method === 'GET' && pattern.test(r.path)).length;

  it("another worker reads the pending transcription to its text and collects the call's recordings", async () => {
    const first = await cluster.startWorker('worker-1');
    const submitted = await cluster.http('/call', {
      method: 'POST',
      body: JSON.stringify({ requestId: 'voicemail-crash', destinations: [{ phone, caller, properties: {} }], callFlow: voicemailFlow, enableCallRecording: true }),
    });
    expect(submitted.status).toBe(200);

    const ended = await until('the call ended', async () => {
      const s = await status();
      return s.details[0].call_state === 'ended' ? s.details[0] : undefined;
    }, 30_000);
    await first.kill('SIGKILL');
    const killedAt = { transcriptionTexts: reads(/\/transcriptions\/[^/]+\.txt$/), recordingLists: reads(/\/recordings\?id=/) };

    // What the dead worker left: the message recorded, its transcription pending, the call's recording not yet stored as done.
    expect(ended).toMatchObject({ call_status: 'answered', callFlowSteps: [{ stepName: 'play' }, { stepName: 'record', info: { status: 'success_ok', transcription: { status: 'pending', text: null } } }, { stepName: 'play' }] });
    expect(ended.recordings?.[0]?.status).not.toBe('done');
    expect(killedAt.transcriptionTexts).toBe(0);

    await cluster.startWorker('worker-2');
    const placed = [...double.calls.values()].find((c) => c.to === phone)!;
    const recordingId = ended.callFlowSteps[1].info.recording.id;
    const done = await until(
      'the transcription and the recordings',
      async () => {
        const detail = (await status()).details[0];
        // Both recordings (the call's and the record step's): Bird may finish one while the other is still being made.
        const recorded = detail.recordings?.length === 2 && detail.recordings.every((r: { status: string }) => r.status === 'done');
        return detail.callFlowSteps[1].info.transcription?.status !== 'pending' && recorded ? detail : (await new Promise((r) => setTimeout(r, 200)), undefined);
      },
      90_000,
    ).catch((error) => {
      throw new Error(`${error.message}\n${cluster.processes.outputs()}`);
    });

    expect(done.callFlowSteps[1].info).toMatchObject({ recording: { id: recordingId, durationSeconds: 5, endedBy: 'key' }, transcription: { status: 'done', text: 'I will pay on Friday' } });
    const callRecording = [...double.recordings.values()].find((r) => r.callId === placed.id && r.origin === 'call')!;
    // The call's recording, made after the kill, and the record step's message (Bird lists both for the call).
    const view = (id: string, duration: number) => ({ id, status: 'done', duration, createdAt: expect.any(String), file: `/status/voicemail-crash/calls/${done.callId}/recordings/${id}.wav` });
    expect(done.recordings).toHaveLength(2);
    expect(done.recordings).toEqual(expect.arrayContaining([view(callRecording.id, callRecording.seconds), view(recordingId, 5)]));
    // Read by the worker still running (the API process never reads them on its own).
    expect(reads(/\/transcriptions\/[^/]+\.txt$/)).toBeGreaterThan(killedAt.transcriptionTexts);
    expect(reads(/\/recordings\?id=/)).toBeGreaterThan(killedAt.recordingLists);
  });
});
