import { Browser, Page } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { until } from './support/polling';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const LEFT_ONE = '+6511000201';
const SILENT = '+6511000202';
const flow = {
  steps: [
    { name: 'play', message: { msg: 'Hello {{name}}, leave a message after the tone.' } },
    { name: 'record', maxLength: 20, timeout: 2, transcribe: true },
  ],
};

/** The dashboard plays a message left at a record step (simulator), shows its transcript, and filters the calls that left one. */
describe('status dashboard: left messages', () => {
  let t: TestApp;
  let baseUrl: string;
  let apiKey: string;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startTestApp({
      simulatorScript: { default: { ringMs: 200 }, numbers: { [LEFT_ONE]: { record: { seconds: 3, endedBy: 'key', transcript: 'I will pay on Friday' } } } },
    });
    baseUrl = await listen(t.app);
    apiKey = (await t.createOrganization(2, 'Voicemail')).apiKey;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && scriptErrors.push(message.text()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('plays the message in the page, shows the transcript, and filters the calls that left a message', async () => {
    const destinations = [LEFT_ONE, SILENT].map((phone) => ({ phone, caller: '+6582674904', properties: { name: 'Kim' } }));
    await t.http.post('/call').set(KEY, apiKey).send({ requestId: 'voicemail', destinations, callFlow: flow }).expect(200);
    const recording = await until('the transcribed message in GET /status', async () => {
      const detail = (await t.http.get('/status/voicemail').set(KEY, apiKey)).body.details[0];
      const info = detail.callFlowSteps[1]?.info;
      return info?.transcription?.status === 'done' ? info.recording : undefined;
    }, 30_000);

    await page.goto(`${baseUrl}/dashboard`);
    await page.locator('#key-input').fill(apiKey);
    await page.locator('#key-submit').click();
    await page.locator('tr[data-request-id="voicemail"]').click();
    await eventually(async () => expect(await page.locator('[data-summary="leftMessage"] .value').textContent()).toBe('1'));
    await eventually(async () => expect(await page.locator(`[data-transcript="${recording.id}"]`).textContent()).toBe('I will pay on Friday'));

    const button = page.locator(`button[data-voicemail="${recording.id}"]`);
    expect(await button.textContent()).toBe('▶ message (3 s, ended by key)');
    await button.click();
    // The .wav came through our API with the key, and the browser decoded all 3 s of it.
    const audio = page.locator(`audio[data-recording-audio="${recording.id}"]`);
    await audio.waitFor({ state: 'attached' });
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    await eventually(async () => expect(await audio.evaluate((element) => (element as unknown as { duration: number }).duration)).toBeCloseTo(3, 1));

    const rows = () => page.locator('#call-rows tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-destination')));
    await eventually(async () => expect(await rows()).toEqual([LEFT_ONE, SILENT]));
    await page.locator('#filter-message').selectOption('true');
    await eventually(async () => expect(await rows()).toEqual([LEFT_ONE]));
    await page.locator('#filter-message').selectOption('false');
    await eventually(async () => expect(await rows()).toEqual([SILENT]));
    expect(scriptErrors).toEqual([]);
  });
});
