import { startBirdTestApp, BirdTestApp } from './support/bird-double/bird-test-app';

const caller = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: 'hello' } }, { name: 'play', message: { msg: 'goodbye' } }] };

jest.setTimeout(60_000);

/**
 * Webhooks Bird gave up delivering: the worker that waits on a call with no news for BIRD_RECONCILE_AFTER_MS
 * looks at it again (bird_events, then GET the call). A lost end is settled from Bird's view; a lost command
 * result leaves the call up at Bird waiting for a command, so the step's command is sent again.
 */
describe('Bird webhooks that never arrive', () => {
  let t: BirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startBirdTestApp({ script: { default: { ringMs: 200 }, msPerChar: 10 }, bird: { reconcileAfterMs: 1000 } });
    ({ apiKey } = await t.createOrganization(5));
  });
  afterAll(() => t.close());

  const submit = (requestId: string, phone: string) =>
    t.http.post('/call').set('x-credential-api-key', apiKey).send({ requestId, destinations: [{ phone, caller }], callFlow: flow }).expect(200);

  it('settles a call whose end was never delivered from GET …/calls/{id}, and frees its slot', async () => {
    t.double.webhookFilter = (d) => {
      const { payload } = JSON.parse(d.body);
      return payload.to === '+6531000001' && payload.status === 'completed' && !payload.command ? 'drop' : 'deliver';
    };
    await submit('bird-lost-end', '+6531000001');
    const done = await t.waitForStatus(apiKey, 'bird-lost-end', 'completed', 20_000);
    expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
    expect(done.details[0].callFlowSteps.map((s: any) => s.info.status)).toEqual(['success_ok', 'success_ok']);
    expect(t.double.deliveries.filter((d) => d.status === 'dropped')).toHaveLength(1);
    expect(t.double.requests.some((r) => r.method === 'GET' && /\/calls\/[^/?]+$/.test(r.path))).toBe(true);
    const usage = await t.http.get('/organization/usage').set('x-credential-api-key', apiKey).expect(200);
    expect(usage.body.ongoingCalls).toBe(0);
  });

  it("sends a step's command again when its result was never delivered, and the flow goes on", async () => {
    let dropped = false;
    t.double.webhookFilter = (d) => {
      if (!dropped && d.body.includes('"to":"+6531000002"') && d.body.includes('"command":"say"')) {
        dropped = true;
        return 'drop';
      }
      return 'deliver';
    };
    await submit('bird-lost-result', '+6531000002');
    const done = await t.waitForStatus(apiKey, 'bird-lost-result', 'completed', 20_000);
    expect(dropped).toBe(true);
    expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered' });
    expect(done.details[0].callFlowSteps.map((s: any) => [s.info.message, s.info.status])).toEqual([
      ['hello', 'success_ok'],
      ['goodbye', 'success_ok'],
    ]);
    const call = [...t.double.calls.values()].find((c) => c.to === '+6531000002')!;
    expect(call.commands.map((c) => [c.command, c.options.text])).toEqual([
      ['say', 'hello'],
      ['say', 'hello'],
      ['say', 'goodbye'],
      ['hangup', undefined],
    ]);
  });
});
