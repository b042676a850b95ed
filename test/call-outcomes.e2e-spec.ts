import { DataSource } from 'typeorm';
import { CallEventsService } from '../src/dispatcher/call-events.service';
import { startTestApp, TestApp } from './support/test-app';

const caller = '+6582674904';

describe('call outcomes on the simulated voice platform', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: {
        default: { ringMs: 500 },
        numbers: {
          '+6511000001': { answer: 'busy' },
          '+6511000002': { answer: 'no_answer' },
          '+6511000003': { answer: 'failed' },
          '+6511000004': { digits: ['1'], transfer: 'answered' },
          '+6511000005': { digits: ['1'], transfer: 'busy' },
          '+6511000006': { hangupAfterMs: 1000 },
          '+6511000007': { digits: ['9', '', '8'] },
          '+6511000008': { digits: ['9', '', '1'] },
        },
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const submit = (requestId: string, phones: string[], callFlow: object, properties: object = {}) =>
    t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId, destinations: phones.map((phone) => ({ phone, caller, properties })), callFlow })
      .expect(200);

  it('records busy, no answer and failed calls without running their flow, and counts each outcome', async () => {
    await submit('unanswered', ['+6511000001', '+6511000002', '+6511000003'], { steps: [{ name: 'play', message: { msg: 'hello' } }] });
    const done = await t.waitForStatus(apiKey, 'unanswered');
    expect(done.details.map((d: any) => [d.call_status, d.call_state, d.status, d.callFlowSteps.length])).toEqual([
      ['busy', 'ended', 'completed', 0],
      ['no_answer', 'ended', 'completed', 0],
      ['failed', 'ended', 'completed', 0],
    ]);
    expect(done.details[2].failureReason).toBeTruthy();
    expect(done.summary).toMatchObject({ total: 3, ended: 3, answered: 0, busy: 1, no_answer: 1, failed: 1 });
    expect(done.details[0].answeredAt).toBeNull();
  });

  it('records an answered transfer, and goes on after an unanswered one', async () => {
    const flow = {
      steps: [
        {
          name: 'gather',
          message: { msg: 'Press 1 for an agent' },
          branches: [
            {
              digit: '1',
              callFlow: {
                steps: [
                  { name: 'transfer', destination: 'sip:agent@pbx.example.com' },
                  { name: 'play', message: { msg: 'Nobody is free, {{name}}. Goodbye.' } },
                ],
              },
            },
          ],
        },
      ],
    };
    await submit('transfers', ['+6511000004', '+6511000005'], flow, { name: "O'Brien & Sons" });
    const done = await t.waitForStatus(apiKey, 'transfers');
    const [answered, busy] = done.details;
    expect(answered.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.transfer_status])).toEqual([
      ['gather', 'success_ok', null],
      ['transfer', 'success_ok', 'answered'],
    ]);
    expect(answered.monitorData).toEqual([
      expect.objectContaining({ type: 'outbound', dest: '+6511000004' }),
      expect.objectContaining({ type: 'transfer', dest: 'sip:agent@pbx.example.com' }),
    ]);
    expect(busy.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.transfer_status])).toEqual([
      ['gather', 'success_ok', null],
      ['transfer', 'failed', 'busy'],
      ['play', 'success_ok', null],
    ]);
    expect(busy.callFlowSteps[2].info.message).toBe("Nobody is free, O'Brien & Sons. Goodbye.");
    expect(busy.callFlowSteps[2].path).toBe('steps[0].branches[0].steps[1]');
  });

  it('marks the step a callee hung up in as interrupted', async () => {
    await submit('hangup', ['+6511000006'], { steps: [{ name: 'play', message: { msg: 'x'.repeat(200) } }, { name: 'play', message: { msg: 'never heard' } }] });
    const done = await t.waitForStatus(apiKey, 'hangup');
    expect(done.details[0].call_status).toBe('answered');
    expect(done.details[0].callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.call_state])).toEqual([['play', 'interrupted', 'ended']]);
  });

  it('re-prompts a gather up to maxRetries and then follows the default branch with no digit', async () => {
    const flow = (maxRetries: number) => ({
      steps: [
        {
          name: 'gather',
          maxRetries,
          message: { msg: 'Press 1' },
          branches: [
            { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'one' } }] } },
            { default: true, callFlow: { steps: [{ name: 'play', message: { msg: 'fallback' } }] } },
          ],
        },
      ],
    });
    const steps = (d: any) => d.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.userPressedDigits, s.info.message]);
    await submit('reprompt-3', ['+6511000007', '+6511000008'], flow(3));
    await submit('reprompt-2', ['+6511000008'], flow(2));
    const three = await t.waitForStatus(apiKey, 'reprompt-3');
    const two = await t.waitForStatus(apiKey, 'reprompt-2');
    expect(steps(three.details[0])).toEqual([
      ['gather', 'no_input', '', 'Press 1'],
      ['play', 'success_ok', '', 'fallback'],
    ]);
    // The key on the third prompt counts when three prompts are allowed, and is never heard when two are.
    expect(steps(three.details[1])).toEqual([
      ['gather', 'success_ok', '1', 'Press 1'],
      ['play', 'success_ok', '', 'one'],
    ]);
    expect(steps(two.details[0])).toEqual([
      ['gather', 'no_input', '', 'Press 1'],
      ['play', 'success_ok', '', 'fallback'],
    ]);
  });

  it('applies duplicated and out-of-order events once, and never moves a call backwards', async () => {
    await submit('events', ['+6511000099'], { steps: [{ name: 'play', message: { msg: 'hi' } }] });
    const done = await t.waitForStatus(apiKey, 'events');
    const callId = done.details[0].callId;
    const events = t.app.get(CallEventsService);
    const at = new Date();
    // Late and repeated reports about a call that has ended.
    await events.apply({ type: 'ringing', callId, at });
    await events.apply({ type: 'answered', callId, at });
    await events.apply({ type: 'step-started', callId, at, seq: 0, stepName: 'play', path: 'steps[0]', message: 'hi' });
    await events.apply({ type: 'step-finished', callId, at, seq: 0, stepName: 'play', path: 'steps[0]', status: 'interrupted' });
    await events.apply({ type: 'ended', callId, at, outcome: 'failed' });
    const after = (await t.http.get('/status/events').set('x-credential-api-key', apiKey)).body;
    expect(after.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered', endedAt: done.details[0].endedAt });
    expect(after.details[0].callFlowSteps).toEqual(done.details[0].callFlowSteps);
    expect(after.summary).toEqual(done.summary);

    // A finished report that overtakes its started report is kept; the late started report changes nothing.
    const db = t.app.get(DataSource);
    await db.query(`UPDATE calls SET steps = '[]' WHERE id = $1`, [callId]);
    await events.apply({ type: 'step-finished', callId, at, seq: 0, stepName: 'play', path: 'steps[0]', status: 'success_ok', message: 'hi' });
    await events.apply({ type: 'step-started', callId, at, seq: 0, stepName: 'play', path: 'steps[0]', message: 'hi' });
    await events.apply({ type: 'step-started', callId, at, seq: 2, stepName: 'play', path: 'steps[2]', message: 'gap' });
    const [{ steps }] = await db.query(`SELECT steps FROM calls WHERE id = $1`, [callId]);
    expect(steps.map((s: any) => s.info.status)).toEqual(['success_ok']);
  });

  it('pages the details of a campaign and keeps the summary whole', async () => {
    const phones = Array.from({ length: 25 }, (_, i) => `+65120000${String(i).padStart(2, '0')}`);
    await submit('paged', phones, { steps: [{ name: 'play', message: { msg: 'hi' } }] });
    await t.waitForStatus(apiKey, 'paged');
    const page3 = (await t.http.get('/status/paged?page=3&perPage=10').set('x-credential-api-key', apiKey).expect(200)).body;
    expect(page3.details.map((d: any) => d.destination)).toEqual(phones.slice(20, 25));
    expect(page3.pagination).toEqual({ page: 3, perPage: 10, total: 25, totalPages: 3 });
    expect(page3.summary).toMatchObject({ total: 25, ended: 25, answered: 25 });
    const bad = await t.http.get('/status/paged?perPage=5000').set('x-credential-api-key', apiKey);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('perPage');
  });
});
