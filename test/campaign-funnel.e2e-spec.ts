import { parse } from 'csv-parse/sync';
import { DataSource } from 'typeorm';
import { CallEventsService } from '../src/dispatcher/call-events.service';
import { BACKFILL_FUNNEL_SQL } from '../src/funnel/funnel-counters';
import { VoiceEvent } from '../src/voice/voice-provider';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const caller = '+6582674904';
const AGENT = '+6588880000';

/** Greeting; a gather: 1 an agent (transfer), 2 a message (record), 9 opt out, no input the default; then goodbye. */
const FLOW = {
  steps: [
    { name: 'play', message: { msg: 'Hello {{name}}' } },
    {
      name: 'gather',
      message: { msg: 'Press 1 for an agent, 2 to leave a message, 9 to stop these calls' },
      maxRetries: 2,
      branches: [
        { digit: '1', callFlow: { steps: [{ name: 'transfer', destination: AGENT }, { name: 'play', message: { msg: 'Nobody is free' } }] } },
        {
          digit: '2',
          callFlow: {
            steps: [
              { name: 'record', maxLength: 10, timeout: 3, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-US' },
              { name: 'play', message: { msg: 'Thanks' } },
            ],
          },
        },
        { digit: '9', optOut: true, callFlow: { steps: [{ name: 'play', message: { msg: 'You will not be called again' } }] } },
        { default: true, callFlow: { steps: [{ name: 'play', message: { msg: 'Goodbye' } }] } },
      ],
    },
  ],
};

const CALLEES: Record<string, object> = {
  '+6513000001': { digits: ['1'], transfer: 'answered' },
  '+6513000002': { digits: ['1'], transfer: 'busy' },
  '+6513000003': { digits: ['7', '1'], transfer: 'no_answer' },
  '+6513000004': { digits: ['2'], record: { seconds: 5, endedBy: 'key', transcript: 'I will pay on Friday', transcriptDelayMs: 300 } },
  '+6513000005': { digits: ['2'] }, // silent at the record step
  '+6513000006': { digits: ['9'] },
  '+6513000007': { digits: [] }, // no input twice: the default branch
  '+6513000008': { answer: 'busy' },
  '+6513000009': { hangupAfterMs: 300 }, // hangs up during the greeting
  '+6513000010': { digits: ['1'], transfer: 'answered' },
};

/** What the funnel must say, computed from GET /status's details. */
function expectedFrom(details: any[]) {
  const counts = new Map<string, number>();
  const add = (path: string, counter: string) => counts.set(`${path} ${counter}`, (counts.get(`${path} ${counter}`) ?? 0) + 1);
  const phones = new Map<string, string[]>();
  const addPhone = (box: string, phone: string) => phones.set(box, [...(phones.get(box) ?? []), phone]);
  let optedOut = 0;
  for (const detail of details) {
    for (const step of detail.callFlowSteps) {
      const { path, info } = step;
      add(path, 'reached');
      addPhone(`${path} reached`, detail.destination);
      if (info.status !== 'in_progress') add(path, `status:${info.status}`);
      if (step.stepName === 'gather' && ['success_ok', 'no_input'].includes(info.status)) {
        add(path, `key:${info.userPressedDigits}`);
        addPhone(`${path} key:${info.userPressedDigits}`, detail.destination);
      }
      if (step.stepName === 'transfer' && info.transfer_status) add(path, `transfer:${info.transfer_status}`);
      if (info.recording) add(path, 'recorded');
      if (info.transcription?.status === 'done') add(path, 'transcribed');
      if (info.optOut) {
        add(path, 'optOut');
        optedOut++;
        addPhone('optOut', detail.destination);
      }
    }
  }
  return { count: (path: string, counter: string) => counts.get(`${path} ${counter}`) ?? 0, phones: (box: string) => phones.get(box) ?? [], optedOut };
}

describe('GET /status/{requestId}/funnel', () => {
  let t: TestApp;
  let apiKey: string;
  let otherKey: string;

  beforeAll(async () => {
    t = await startTestApp({ simulatorScript: { default: { ringMs: 200 }, numbers: CALLEES } });
    ({ apiKey } = await t.createOrganization(10));
    ({ apiKey: otherKey } = await t.createOrganization(10, 'Another organization'));
  });
  afterAll(() => t.close());

  const get = (path: string, key = apiKey) => t.http.get(path).set('x-credential-api-key', key);
  const exportedPhones = async (link: string): Promise<string[]> => {
    const res = await get(link).buffer(true).parse((response, callback) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => callback(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    const records: string[][] = parse((res.body as Buffer).subarray(3).toString('utf8'), { record_delimiter: '\r\n' });
    const phoneColumn = records[0].indexOf('phone');
    return records.slice(1).map((row) => row[phoneColumn]).sort();
  };

  it('counts every box exactly as the status details tell, and exports exactly its destinations', async () => {
    const phones = Object.keys(CALLEES);
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId: 'funnel', destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Ann' } })), callFlow: FLOW })
      .expect(200);
    await t.waitForStatus(apiKey, 'funnel');
    // The transcription comes after the call.
    const status = await until('the transcription', async () => {
      const body = (await get('/status/funnel?perPage=100').expect(200)).body;
      const recorded = body.details.find((d: any) => d.destination === '+6513000004');
      return recorded.callFlowSteps[2]?.info.transcription?.status === 'done' ? body : undefined;
    });
    const expected = expectedFrom(status.details);
    const funnel = (await get('/status/funnel/funnel').expect(200)).body;

    for (const name of ['total', 'queued', 'inProgress', 'ended', 'answered', 'busy', 'no_answer', 'failed', 'cancelled', 'suppressed', 'leftMessage']) {
      expect([name, funnel.totals[name].count]).toEqual([name, status.summary[name]]);
    }
    expect(funnel.totals.optedOut.count).toBe(expected.optedOut);
    expect(funnel.totals.optedOut.count).toBe(1);

    expect(funnel.steps.map((s: any) => [s.path, s.stepName, s.depth])).toEqual([
      ['steps[0]', 'play', 0],
      ['steps[1]', 'gather', 0],
      ['steps[1].branches[0].steps[0]', 'transfer', 1],
      ['steps[1].branches[0].steps[1]', 'play', 1],
      ['steps[1].branches[1].steps[0]', 'record', 1],
      ['steps[1].branches[1].steps[1]', 'play', 1],
      ['steps[1].branches[2].steps[0]', 'play', 1],
      ['steps[1].branches[3].steps[0]', 'play', 1],
    ]);
    for (const step of funnel.steps) {
      const { path } = step;
      expect([path, 'reached', step.reached.count]).toEqual([path, 'reached', expected.count(path, 'reached')]);
      for (const status of ['success_ok', 'no_input', 'failed', 'interrupted']) {
        expect([path, status, step.outcomes[status].count]).toEqual([path, status, expected.count(path, `status:${status}`)]);
      }
      expect(step.inProgress).toBe(0);
    }
    const gather = funnel.steps[1];
    expect(gather.gather.keys.map((k: any) => [k.key, k.branchIndex, k.optOut, k.count])).toEqual(
      [['1', 0, false], ['2', 1, false], ['9', 2, true], ['', 3, false]].map(([key, branch, optOut]) => [key, branch, optOut, expected.count('steps[1]', `key:${key}`)]),
    );
    expect(gather.gather.keys.map((k: any) => k.count)).toEqual([4, 2, 1, 1]);
    expect(gather.gather.optedOut.count).toBe(1);
    const transfer = funnel.steps[2].transfer;
    expect([transfer.answered.count, transfer.notAnswered.count, transfer.busy.count, transfer.no_answer.count]).toEqual([
      expected.count('steps[1].branches[0].steps[0]', 'transfer:answered'),
      expected.count('steps[1].branches[0].steps[0]', 'transfer:busy') + expected.count('steps[1].branches[0].steps[0]', 'transfer:no_answer'),
      expected.count('steps[1].branches[0].steps[0]', 'transfer:busy'),
      expected.count('steps[1].branches[0].steps[0]', 'transfer:no_answer'),
    ]);
    expect([transfer.answered.count, transfer.notAnswered.count]).toEqual([2, 2]);
    const record = funnel.steps[4].record;
    expect([record.recorded.count, record.transcribed.count]).toEqual([1, 1]);
    expect(funnel.steps[0].outcomes.interrupted.count).toBe(1);
    expect(funnel).toMatchObject({ status: 'completed', eta: null, etaReason: 'completed' });

    // Each box's link exports exactly its destinations.
    expect(gather.gather.keys[0].export).toBe('/status/funnel/export.csv?step=steps%5B1%5D&key=1');
    expect(await exportedPhones(gather.gather.keys[0].export)).toEqual(expected.phones('steps[1] key:1').sort());
    expect(await exportedPhones(gather.gather.keys[3].export)).toEqual(['+6513000007']);
    expect(gather.gather.keys[3].export).toBe('/status/funnel/export.csv?step=steps%5B1%5D&key=');
    expect(await exportedPhones(funnel.totals.optedOut.export)).toEqual(expected.phones('optOut'));
    expect(await exportedPhones(gather.gather.optedOut.export)).toEqual(['+6513000006']);
    expect(await exportedPhones(transfer.answered.export)).toEqual(['+6513000001', '+6513000010']);
    expect(await exportedPhones(transfer.notAnswered.export)).toEqual(['+6513000002', '+6513000003']);
    expect(await exportedPhones(transfer.busy.export)).toEqual(['+6513000002']);
    expect(await exportedPhones(record.recorded.export)).toEqual(['+6513000004']);
    expect(await exportedPhones(record.transcribed.export)).toEqual(['+6513000004']);
    expect(await exportedPhones(funnel.steps[4].reached.export)).toEqual(['+6513000004', '+6513000005']);
    expect(await exportedPhones(funnel.steps[0].outcomes.interrupted.export)).toEqual(['+6513000009']);
    expect(await exportedPhones(funnel.totals.busy.export)).toEqual(['+6513000008']);
    expect(await exportedPhones(funnel.totals.total.export)).toEqual([...phones].sort());
    expect(await exportedPhones(funnel.steps[1].reached.export)).toEqual(expected.phones('steps[1] reached').sort());

    // A replay of every step event, transcription and end of every call (a webhook delivered twice, a worker
    // replaying after a crash) moves no counter.
    const events = t.app.get(CallEventsService);
    for (const detail of status.details) {
      const replay: VoiceEvent[] = [];
      detail.callFlowSteps.forEach((step: any, seq: number) => {
        const base = { callId: detail.callId, at: new Date(), seq, stepName: step.stepName, path: step.path };
        replay.push({ type: 'step-started', ...base });
        replay.push({
          type: 'step-finished',
          ...base,
          status: step.info.status,
          userPressedDigits: step.info.userPressedDigits,
          ...(step.info.transfer_status && { transferStatus: step.info.transfer_status }),
          ...(step.info.optOut && { optOut: true }),
          ...(step.info.recording && { recording: { id: step.info.recording.id, durationSeconds: step.info.recording.durationSeconds, endedBy: step.info.recording.endedBy } }),
        });
        if (step.info.recording) replay.push({ type: 'transcription', callId: detail.callId, at: new Date(), seq, recordingId: step.info.recording.id, status: 'done', text: 'again' });
      });
      replay.push({ type: 'ended', callId: detail.callId, at: new Date(), outcome: detail.call_status });
      for (const event of replay) await events.apply(event);
    }
    const again = (await get('/status/funnel/funnel').expect(200)).body;
    expect({ ...again, at: undefined, etaBasis: undefined }).toEqual({ ...funnel, at: undefined, etaBasis: undefined });

    // The migration's backfill (one pass over the calls) gives exactly the counters the call path moved.
    const db = t.app.get(DataSource);
    const counters = () => db.query(`SELECT call_request_id, step_path, counter, count FROM campaign_funnel WHERE count <> 0 ORDER BY 1, 2, 3`);
    const moved = await counters();
    await db.query(`DELETE FROM campaign_funnel`);
    await db.query(BACKFILL_FUNNEL_SQL);
    expect(await counters()).toEqual(moved);
  });

  it("takes a retried call's cleared steps back out: the funnel counts each call's current attempt", async () => {
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({
        requestId: 'retried',
        destinations: ['+6513000001', '+6513000004'].map((phone) => ({ phone, caller, properties: { name: 'Ann' } })),
        callFlow: FLOW,
        retry: { busy: { maxAttempts: 2, delaySeconds: 3600 } },
      })
      .expect(200);
    const done = await t.waitForStatus(apiKey, 'retried');
    const before = (await get('/status/retried/funnel').expect(200)).body;
    expect(before.steps[1].reached.count).toBe(2);
    // The platform's last word on the first call, while it still looked ongoing: busy, so it is scheduled again.
    const first = done.details.find((d: any) => d.destination === '+6513000001');
    await t.app.get(DataSource).query(`UPDATE calls SET call_state = 'ongoing' WHERE id = $1`, [first.callId]);
    await t.app.get(CallEventsService).apply({ type: 'ended', callId: first.callId, at: new Date(), outcome: 'busy' });
    const status = (await get('/status/retried?perPage=100').expect(200)).body;
    expect(status.details.find((d: any) => d.destination === '+6513000001')).toMatchObject({ call_state: 'scheduled', callFlowSteps: [] });
    const expected = expectedFrom(status.details);
    const after = (await get('/status/retried/funnel').expect(200)).body;
    for (const step of after.steps) {
      expect([step.path, step.reached.count, step.outcomes.success_ok.count]).toEqual([
        step.path,
        expected.count(step.path, 'reached'),
        expected.count(step.path, 'status:success_ok'),
      ]);
    }
    expect(after.steps[1].reached.count).toBe(1);
    expect(after.steps[1].gather.keys.map((k: any) => k.count)).toEqual([0, 1, 0, 0]);
    expect(after.steps[2].transfer.answered.count).toBe(0);
  });

  it('refuses filters that do not fit the flow, naming the field', async () => {
    const bad = async (query: string, field: string) => {
      const res = await get(`/status/funnel/export.csv?${query}`);
      expect([query, res.status, res.body.errors?.map((e: any) => e.field)]).toEqual([query, 400, [field]]);
    };
    await bad('step=steps%5B7%5D', 'step');
    await bad('key=1', 'key');
    await bad('step=steps%5B0%5D&key=1', 'key');
    await bad('step=steps%5B1%5D&key=12', 'key');
    await bad('step=steps%5B1%5D&outcome=maybe', 'outcome');
    await bad('step=steps%5B1%5D&transfer=answered', 'transfer');
    await bad('step=steps%5B0%5D&recorded=true', 'recorded');
    await bad('optedOut=yes', 'optedOut');
    await bad('callStatus=great', 'callStatus');
  });

  it("answers 404 for another organization's campaign", async () => {
    await get('/status/funnel/funnel', otherKey).expect(404);
    await get('/status/funnel/export.csv?step=steps%5B1%5D&key=1', otherKey).expect(404);
  });

  it('gives an ETA while calls are queued, and none with the reason while paused', async () => {
    const { apiKey: slowKey } = await t.createOrganization(1, 'One line');
    // Enough calls to outlast the rate's first 5 s of history (counted from the start of the first dial's minute):
    // 30 calls at one slot ended within 2 s, and no ETA ever came when they started early in a minute.
    const phones = Array.from({ length: 300 }, (_, i) => `+6514000${String(i).padStart(3, '0')}`);
    await t.http
      .post('/call')
      .set('x-credential-api-key', slowKey)
      .send({ requestId: 'slow', destinations: phones.map((phone) => ({ phone, caller })), callFlow: { steps: [{ name: 'play', message: { msg: 'A message that takes a while to say' } }] } })
      .expect(200);
    const running = await until('an ETA', async () => {
      const body = (await get('/status/slow/funnel', slowKey).expect(200)).body;
      return body.eta ? body : undefined;
    }, 20_000);
    expect(running).toMatchObject({ etaReason: null, etaBasis: { slotLimit: 1 } });
    expect(running.etaBasis.queued).toBeGreaterThan(0);
    expect(running.etaBasis.dialRatePerMinute).toBeGreaterThan(0);
    expect(new Date(running.eta).getTime()).toBeGreaterThan(Date.now() - 1000);

    await t.http.post('/status/slow/pause').set('x-credential-api-key', slowKey).expect(200);
    const paused = (await get('/status/slow/funnel', slowKey).expect(200)).body;
    expect(paused).toMatchObject({ status: 'paused', eta: null, etaReason: 'paused' });
    await t.http.post('/status/slow/cancel').set('x-credential-api-key', slowKey).expect(200);
  });
});
