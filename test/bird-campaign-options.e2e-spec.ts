import { BirdTestApp, startBirdTestApp } from './support/bird-double/bird-test-app';

const KEY = 'x-credential-api-key';
const caller = '+6582674904';
// About 150 characters: 450 ms of speech at the double's speed 20, long enough for a machine to be detected while it is said.
const reminder = 'Hello {{name}}, this is a reminder that your payment of 200 dollars is due on Friday. Please call us back at your earliest convenience. Thank you.';
const flow = { steps: [{ name: 'play', message: { msg: reminder } }] };
const HUMAN = '+6532000001';
const MACHINES = ['+6532000002', '+6532000003', '+6532000004', '+6532000005'];
const STRAY = '+6532000010';
const GREETING_MS = 4000;
const SPEED = 20;

jest.setTimeout(60_000);

describe('Bird campaign options: answering machines (amdSettings), and a placement that timed out but went through', () => {
  let t: BirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startBirdTestApp({
      script: {
        speed: SPEED,
        default: { ringMs: 500 },
        numbers: Object.fromEntries(MACHINES.map((phone) => [phone, { machine: true, machineGreetingMs: GREETING_MS, machineDetectMs: 1500 }])),
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const submit = (requestId: string, phones: string[], extra: object = {}) =>
    t.http
      .post('/call')
      .set(KEY, apiKey)
      .send({ requestId, destinations: phones.map((phone, i) => ({ phone, caller, properties: { name: `N${i}` } })), callFlow: flow, ...extra })
      .expect(200);
  const placedTo = (phone: string) => [...t.double.calls.values()].filter((c) => c.to === phone);
  const placement = (phone: string) => JSON.parse(t.double.requests.find((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.body.includes(`"to":"${phone}"`))!.body);
  const hangups = (id: string) => t.double.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/calls/${id}/hangup`));
  const said = (phone: string) => `Hello N${phone === MACHINES[0] ? 1 : 0}, ${reminder.slice('Hello {{name}}, '.length)}`;

  describe('machineDetection', () => {
    it('ifMachine hangup: a machine is hung up on while the message is said (answered, its step interrupted); a person hears it all', async () => {
      await submit('bird-machine-hangup', [HUMAN, MACHINES[0]], { machineDetection: { ifMachine: 'hangup', machineTimeout: 2500 } });
      const done = await t.waitForStatus(apiKey, 'bird-machine-hangup');
      const [person, machine] = done.details;

      for (const phone of [HUMAN, MACHINES[0]]) expect(placement(phone).amdSettings).toEqual({ enabled: true, ifMachineNotifyAfter: 'wordCount', speechTimeout: 3 });
      expect(person).toMatchObject({ call_state: 'ended', call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'success_ok' } }] });
      // As on MessageBird classic: the machine's call ends answered, its first step interrupted.
      expect(machine).toMatchObject({ call_state: 'ended', call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'interrupted' } }] });
      expect(done.summary).toMatchObject({ total: 2, answered: 2 });

      const machineCall = placedTo(MACHINES[0])[0];
      expect(machine.monitorData[0].uuid).toBe(machineCall.id);
      expect(machineCall.commands.map((c) => c.command)).toEqual(['say', 'hangup']);
      expect(machineCall.endReason).toBe('hung up through the API');
      expect(hangups(machineCall.id)).toHaveLength(1);
      expect(machineCall.voicemail).toEqual([]);
      // The say never finished: Bird reported no command result for it.
      expect(t.double.deliveries.filter((d) => d.callId === machineCall.id && d.body.includes('"command"'))).toEqual([]);
      expect(t.double.deliveries.some((d) => d.callId === machineCall.id && d.body.includes('"result":"machine"'))).toBe(true);
      const personCall = placedTo(HUMAN)[0];
      expect(personCall.commands.map((c) => c.command)).toEqual(['say', 'hangup']);
      expect(t.double.deliveries.some((d) => d.callId === personCall.id && d.body.includes('"result":"human"'))).toBe(true);
    });

    it('ifMachine delay: the message is said after the machine\'s beep, and left on it in full', async () => {
      await submit('bird-machine-delay', [MACHINES[1]], { machineDetection: { ifMachine: 'delay' } });
      const done = await t.waitForStatus(apiKey, 'bird-machine-delay');
      expect(placement(MACHINES[1]).amdSettings).toEqual({ enabled: true, ifMachineNotifyAfter: 'beep' });
      expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'success_ok' } }] });
      const call = placedTo(MACHINES[1])[0];
      expect(call.commands.map((c) => c.command)).toEqual(['say', 'hangup']);
      // A timer may fire up to a millisecond (of real time, 20 ms of script time at speed 20) before Date.now() says it is due.
      expect(call.commands[0].startedAfterAnswerMs).toBeGreaterThanOrEqual(GREETING_MS - SPEED);
      expect(call.voicemail).toEqual([done.details[0].callFlowSteps[0].info.message]);
      expect(call.endReason).toBe('hung up through the API');
    });

    it('ifMachine continue: the message is said at once, over the greeting, and the flow runs to its end', async () => {
      await submit('bird-machine-continue', [MACHINES[2]], { machineDetection: { ifMachine: 'continue', machineTimeout: 7000 } });
      const done = await t.waitForStatus(apiKey, 'bird-machine-continue');
      expect(placement(MACHINES[2]).amdSettings).toEqual({ enabled: true, ifMachineNotifyAfter: 'wordCount', speechTimeout: 7 });
      expect(done.details[0]).toMatchObject({ call_state: 'ended', call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'success_ok' } }] });
      const call = placedTo(MACHINES[2])[0];
      expect(call.commands.map((c) => c.command)).toEqual(['say', 'hangup']);
      expect(call.commands[0].startedAfterAnswerMs).toBeLessThan(GREETING_MS);
      // Said while the greeting played: not left whole on the machine.
      expect(call.voicemail).toEqual([]);
      expect(t.double.deliveries.some((d) => d.callId === call.id && d.body.includes('"result":"machine"'))).toBe(true);
    });

    it('without machineDetection, no amdSettings are sent and a machine is not told from a person', async () => {
      await submit('bird-machine-none', [MACHINES[3]]);
      const done = await t.waitForStatus(apiKey, 'bird-machine-none');
      expect(placement(MACHINES[3])).not.toHaveProperty('amdSettings');
      expect(done.details[0]).toMatchObject({ call_status: 'answered', callFlowSteps: [{ stepName: 'play', info: { status: 'success_ok' } }] });
      const call = placedTo(MACHINES[3])[0];
      expect(t.double.deliveries.some((d) => d.callId === call.id && d.body.includes('"amd"'))).toBe(false);
    });
  });

  it('hangs up the stray call of a placement that timed out at our side although Bird created it; exactly one call survives', async () => {
    // Bird creates the call and never answers the request: our placement times out (BIRD_REQUEST_TIMEOUT_MS) and is tried again.
    t.double.failNext({ method: 'POST', path: /\/calls$/, to: STRAY, reply: 'accept-then-hang' });
    await submit('bird-stray', [STRAY]);
    const done = await t.waitForStatus(apiKey, 'bird-stray');
    expect(t.double.requests.filter((r) => r.method === 'POST' && /\/calls$/.test(r.path) && r.body.includes(`"to":"${STRAY}"`))).toHaveLength(2);
    const placed = placedTo(STRAY);
    expect(placed).toHaveLength(2);
    const detail = done.details[0];
    const survivor = placed.find((c) => c.id === detail.monitorData[0].uuid)!;
    const stray = placed.find((c) => c !== survivor)!;
    expect(survivor).toBeDefined();
    // The stray is the first one, created by the request that timed out.
    expect(Date.parse(stray.createdAt)).toBeLessThanOrEqual(Date.parse(survivor.createdAt));

    expect(detail).toMatchObject({ call_state: 'ended', call_status: 'answered', attempts: 1, callFlowSteps: [{ stepName: 'play', info: { status: 'success_ok', message: said(STRAY) } }] });
    expect(detail.monitorData).toEqual([expect.objectContaining({ uuid: survivor.id, type: 'outbound' })]);
    expect(survivor.commands.map((c) => c.command)).toEqual(['say', 'hangup']);

    // The stray was hung up once, as soon as the retried placement named the call that is ours; nothing else was sent to it.
    await t.double.settled();
    expect(hangups(stray.id)).toHaveLength(1);
    expect(stray.endReason).toBe('hung up through the API');
    expect(stray.status).toBe('completed');
    expect(stray.commands.map((c) => c.command).filter((c) => c !== 'say')).toEqual(['hangup']);
    expect(t.double.requests.filter((r) => r.method === 'POST' && r.path.includes(`/calls/${stray.id}/`) && !r.path.endsWith('/hangup'))).toEqual([]);
  });
});
