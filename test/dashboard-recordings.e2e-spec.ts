import { Browser, Page } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium } from './support/browser';
import { MessageBirdTestApp, startMessageBirdTestApp } from './support/messagebird-double/messagebird-test-app';
import { until } from './support/polling';

const KEY = 'x-credential-api-key';
const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}, this call is recorded.' } }] };

/** The dashboard plays a recorded call's recording (VOICE_PROVIDER=messagebird, against the double), fetched with the key. */
describe('status dashboard: call recordings', () => {
  let t: MessageBirdTestApp;
  let apiKey: string;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startMessageBirdTestApp({ script: { default: { ringMs: 200 } } });
    apiKey = (await t.createOrganization(2, 'Recordings')).apiKey;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && scriptErrors.push(message.text()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists the recording under the steps and plays it in the page', async () => {
    const body = { requestId: 'recorded', enableCallRecording: true, destinations: [{ phone: '+6591111111', caller: '+6582674904', properties: { name: 'Kim' } }], callFlow: flow };
    await t.http.post('/call').set(KEY, apiKey).send(body).expect(200);
    const recording = await until('the recording in GET /status', async () => {
      const detail = (await t.http.get('/status/recorded').set(KEY, apiKey)).body.details[0];
      return detail.recordings?.[0]?.status === 'done' ? detail.recordings[0] : undefined;
      // The call, then the collector's reads with a doubling wait (100 ms × 2^n, 7 reads: up to ~13 s in all):
      // on a busy machine (the whole suite at once) the default 10 s was seen too short.
    }, 30_000);

    await page.goto(`${t.publicBaseUrl}/dashboard`);
    await page.locator('#key-input').fill(apiKey);
    await page.locator('#key-submit').click();
    await page.locator('tr[data-request-id="recorded"]').click();
    const button = page.locator(`button[data-recording="${recording.id}"]`);
    await eventually(async () => expect(await button.textContent()).toBe(`▶ recording (${recording.duration} s)`));
    await button.click();

    // The .wav came through our API with the key, and the browser decoded it (the double's is 1 s of silence).
    const audio = page.locator(`audio[data-recording-audio="${recording.id}"]`);
    await audio.waitFor({ state: 'attached' });
    expect(await audio.getAttribute('src')).toMatch(/^blob:/);
    await eventually(async () => expect(await audio.evaluate((element) => (element as unknown as { duration: number }).duration)).toBeCloseTo(1, 1));
    expect(scriptErrors).toEqual([]);
  });
});
