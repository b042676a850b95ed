import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const seedExample = JSON.parse(readFileSync(join(ROOT, 'docs/seed-example.json'), 'utf8'));

/** The README's walk-through, with the simulator script it starts the service with (examples/walkthrough-simulator.json). */
describe("the README's walk-through", () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    // As `SIMULATOR_SCRIPT=examples/walkthrough-simulator.json npm start` reads it (the file itself, not a copy), 20 times as fast.
    t = await startTestApp({ config: { simulator: { scriptPath: join(ROOT, 'examples/walkthrough-simulator.json'), speed: 20 } } });
    ({ apiKey } = await t.createOrganization(6));
  });
  afterAll(() => t.close());

  it('answers the status the README shows: the first callee pressed 1 after "thanks Alex", the second 0 and was transferred', async () => {
    await t.http.post('/call').set('x-credential-api-key', apiKey).set('content-type', 'application/json').send(seedExample).expect(200);
    const done = await t.waitForStatus(apiKey, 'request_10', 'completed', 30_000);
    expect(done.summary).toMatchObject({ total: 2, queued: 0, inProgress: 0, ended: 2, answered: 2, busy: 0, no_answer: 0, failed: 0, cancelled: 0 });
    const [first, second] = done.details;
    expect(first).toMatchObject({ destination: '+84917660247', status: 'completed', call_state: 'ended', call_status: 'answered', attempts: 1 });
    expect(first.callFlowSteps[0]).toMatchObject({ stepName: 'play', path: 'steps[0]', info: { status: 'success_ok', userPressedDigits: '', message: 'thanks Alex' } });
    expect(first.callFlowSteps[1]).toMatchObject({ stepName: 'gather', path: 'steps[1]', info: { status: 'success_ok', userPressedDigits: '1' } });
    expect(first.monitorData).toEqual([{ uuid: expect.stringMatching(/^sim-/), type: 'outbound', dest: '+84917660247' }]);
    expect(second.callFlowSteps.map((s: any) => [s.stepName, s.info.userPressedDigits, s.info.transfer_status])).toEqual([
      ['play', '', null],
      ['gather', '0', null],
      ['transfer', '', 'answered'],
    ]);
  });
});
