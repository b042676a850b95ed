import { BirdTestApp, startBirdTestApp } from './support/bird-double/bird-test-app';

const caller = '+6582674904';
const FLOW = {
  steps: [
    { name: 'play', message: { msg: 'Hello {{name}}' } },
    {
      name: 'gather',
      message: { msg: 'Press 1 for an agent, 9 to stop these calls' },
      maxRetries: 2,
      branches: [
        { digit: '1', callFlow: { steps: [{ name: 'transfer', destination: '+6588880000' }] } },
        { digit: '9', optOut: true, callFlow: { steps: [{ name: 'play', message: { msg: 'You will not be called again' } }] } },
      ],
    },
  ],
};
const CALLEES: Record<string, object> = {
  '+6522000001': { digits: ['1'], transfer: 'answered' },
  '+6522000002': { digits: ['1'], transfer: 'busy' },
  '+6522000003': { digits: ['9'] },
  '+6522000004': { digits: [] },
  '+6522000005': { answer: 'busy' },
};

jest.setTimeout(60_000);

/** The funnel through VOICE_PROVIDER=bird: every webhook delivered again (a platform's redelivery) counts nothing. */
describe('GET /status/{requestId}/funnel on the Bird double', () => {
  let t: BirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startBirdTestApp({ script: { default: { ringMs: 300 }, numbers: CALLEES } });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  it('counts as the status details tell, and not again when every webhook is delivered twice', async () => {
    const phones = Object.keys(CALLEES);
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ requestId: 'bird-funnel', destinations: phones.map((phone) => ({ phone, caller, properties: { name: 'Kim' } })), callFlow: FLOW })
      .expect(200);
    const done = await t.waitForStatus(apiKey, 'bird-funnel');
    await t.double.settled();
    const get = () => t.http.get('/status/bird-funnel/funnel').set('x-credential-api-key', apiKey).expect(200);
    const funnel = (await get()).body;

    const count = (path: string, test: (step: any) => boolean) =>
      done.details.filter((d: any) => d.callFlowSteps.some((s: any) => s.path === path && test(s))).length;
    for (const step of funnel.steps) {
      expect([step.path, step.reached.count]).toEqual([step.path, count(step.path, () => true)]);
      for (const status of ['success_ok', 'no_input', 'failed', 'interrupted']) {
        expect([step.path, status, step.outcomes[status].count]).toEqual([step.path, status, count(step.path, (s) => s.info.status === status)]);
      }
    }
    const keys = Object.fromEntries(funnel.steps[1].gather.keys.map((k: any) => [k.key, k.count]));
    expect(keys).toEqual({
      '1': count('steps[1]', (s) => s.info.userPressedDigits === '1'),
      '9': count('steps[1]', (s) => s.info.userPressedDigits === '9'),
      '': count('steps[1]', (s) => s.info.status === 'no_input'),
    });
    expect(keys).toEqual({ '1': 2, '9': 1, '': 1 });
    expect(funnel.totals.optedOut.count).toBe(1);
    expect([funnel.steps[2].transfer.answered.count, funnel.steps[2].transfer.notAnswered.count]).toEqual([1, 1]);

    // Bird delivers every webhook again, newest first: nothing moves.
    const delivered = t.double.deliveries;
    expect(delivered.length).toBeGreaterThan(0);
    for (const delivery of [...delivered].reverse()) expect(await t.double.post(delivery.url, delivery.body)).toBe(200);
    const again = (await get()).body;
    expect({ ...again, at: undefined, etaBasis: undefined }).toEqual({ ...funnel, at: undefined, etaBasis: undefined });
  });
});
