import { SEED_EXAMPLE } from './support/seed-example';
import { startTestApp, TestApp } from './support/test-app';

describe('the seed example, end to end on the simulator', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: {
        default: { ringMs: 500 },
        numbers: {
          '+84917660247': { digits: ['', '1'] },
          '+84912860330': { digits: ['7', '0'], transfer: 'no_answer' },
        },
      },
    });
    ({ apiKey } = await t.createOrganization(6));
  });
  afterAll(() => t.close());

  it('accepts the verbatim example and reports every step', async () => {
    const submitted = await t.http.post('/call').set('x-credential-api-key', apiKey).send(SEED_EXAMPLE);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ requestId: 'request_10', status: 'submitted' });
    expect(submitted.body.details).toHaveLength(2);

    const done = await t.waitForStatus(apiKey, 'request_10');
    const [first, second] = done.details;
    expect(first.destination).toBe('+84917660247');
    expect(first.call_status).toBe('answered');
    expect(first.callFlowSteps.map((s: any) => [s.stepName, s.info.status, s.info.userPressedDigits])).toEqual([
      ['play', 'success_ok', ''],
      ['gather', 'success_ok', '1'],
      ['gather', 'no_input', ''],
      ['play', 'success_ok', ''],
    ]);
    expect(first.callFlowSteps[0].info.message).toBe('thanks Alex');
    expect(second.callFlowSteps.map((s: any) => [s.stepName, s.info.userPressedDigits, s.info.transfer_status])).toEqual([
      ['play', '', null],
      ['gather', '0', null],
      ['transfer', '', 'no_answer'],
    ]);
    expect(second.monitorData.map((leg: any) => leg.type)).toEqual(['outbound', 'transfer']);
    expect(done.summary).toMatchObject({ total: 2, ended: 2, answered: 2, queued: 0, inProgress: 0 });
  });
});
