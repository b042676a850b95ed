import { until } from './support/polling';
import { BIRD_ACCESS_KEY, BIRD_CHANNEL_ID, BIRD_WORKSPACE_ID, BirdTestApp, startBirdTestApp } from './support/bird-double/bird-test-app';

const KEY = 'x-credential-api-key';

/** BIRD_COUNT_EXTERNAL_CALLS: other apps' calls are the channel's live calls at Bird (the double) that are not ours. */
describe("BIRD_COUNT_EXTERNAL_CALLS: other apps' calls counted from the Bird channel", () => {
  let t: BirdTestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startBirdTestApp({
      // Real-time speed: our calls speak for a few seconds, long enough to be seen in several counts.
      script: { speed: 1, default: { ringMs: 100 }, numbers: { '+6590000001': { ringMs: 600_000 }, '+6590000002': { ringMs: 600_000 } } },
      countExternalCallsEveryMs: 200,
    });
    ({ apiKey } = await t.createOrganization(3));
  });
  afterAll(() => t.close());

  const callsPath = `/workspaces/${BIRD_WORKSPACE_ID}/channels/${BIRD_CHANNEL_ID}/calls`;
  /** Another app of the workspace places a call on the channel directly. */
  async function placeElsewhere(to: string): Promise<string> {
    const response = await fetch(`${t.double.url}${callsPath}`, {
      method: 'POST',
      headers: { Authorization: `AccessKey ${BIRD_ACCESS_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to, from: '+6500000000', callFlow: [{ command: 'say', options: { text: 'desk phone', locale: 'en-US' } }] }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }
  const usage = async () => (await t.http.get('/organization/usage').set(KEY, apiKey)).body;

  it("holds our calls to the slots the channel's other calls leave, never counts our own, and frees slots when they end", async () => {
    const elsewhere = [await placeElsewhere('+6590000001'), await placeElsewhere('+6590000002')];
    expect(await until('the two calls counted', async () => ((await usage()).externalOngoingCalls === 2 ? usage() : undefined))).toMatchObject({
      limit: 3,
      externalOngoingCalls: 2,
      externalSource: 'bird',
      free: 1,
    });
    const put = await t.http.put('/organization/usage').set(KEY, apiKey).send({ externalOngoingCalls: 0 });
    expect(put.status).toBe(409);
    expect(put.body.message).toContain('BIRD_COUNT_EXTERNAL_CALLS');

    const destinations = ['+6531100001', '+6531100002', '+6531100003'].map((phone) => ({ phone, caller: '+6582674904', properties: {} }));
    const flow = { steps: [{ name: 'play', message: { msg: 'Your appointment is tomorrow at nine.' } }] };
    await t.http.post('/call').set(KEY, apiKey).send({ requestId: 'beside-other-apps', destinations, callFlow: flow }).expect(200);
    // While one of ours runs, the count stays at the other app's two: our call is not taken for theirs.
    const seen = await until('our call running beside the two others', async () => {
      const now = await usage();
      return now.ongoingCalls === 1 && now.externalOngoingCalls === 2 ? now : undefined;
    }, 20_000);
    expect(seen.free).toBe(0);

    // The other app hangs up: its slots are ours at once.
    for (const id of elsewhere) {
      const hangup = await fetch(`${t.double.url}${callsPath}/${id}/hangup`, { method: 'POST', headers: { Authorization: `AccessKey ${BIRD_ACCESS_KEY}`, 'Content-Type': 'application/json' }, body: '{}' });
      expect(hangup.status).toBeLessThan(300);
    }
    const done = await t.waitForStatus(apiKey, 'beside-other-apps', 'completed', 60_000);
    expect(done.summary).toMatchObject({ total: 3, answered: 3 });
    expect(await until('the count back at 0', async () => ((await usage()).externalOngoingCalls === 0 ? true : undefined))).toBe(true);
  });
});
