import { Browser, Page } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const caller = '+6582674904';
const phones = Array.from({ length: 3 }, (_, i) => `+6593000${String(i).padStart(3, '0')}`);

/**
 * Cheap polling in the dashboard: each poll sends the ETag of its last answer (If-None-Match), and a 304 reuses
 * that answer's body: the page keeps showing the campaign while the server reads only versions; a change (PATCH)
 * comes through as a 200 with a new ETag.
 */
describe('status dashboard: polls with If-None-Match and reuses the body of a 304', () => {
  let t: TestApp;
  let base: string;
  let apiKey: string;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];
  /** path (without the query) → statuses answered, and whether each request carried If-None-Match. */
  const seen: { path: string; status: number; conditional: boolean }[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startTestApp({ simulatorScript: {} });
    base = await listen(t.app);
    apiKey = (await t.createOrganization(1, 'Quiet')).apiKey;
    // Every slot taken by other apps: the campaign stays as submitted, so the polls find nothing changed.
    await t.http.put('/organization/usage').set(KEY, apiKey).send({ externalOngoingCalls: 1 }).expect(200);
    await t.http
      .post('/call')
      .set(KEY, apiKey)
      .send({ requestId: 'quiet', destinations: phones.map((phone) => ({ phone, caller })), callFlow: { steps: [{ name: 'play', message: { msg: 'hi' } }] } })
      .expect(200);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && scriptErrors.push(message.text()));
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.origin !== base) return;
      seen.push({ path: url.pathname, status: response.status(), conditional: response.request().headers()['if-none-match'] !== undefined });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => expect(scriptErrors.splice(0)).toEqual([]));

  const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
  const notModified = (path: string) => seen.filter((answer) => answer.path === path && answer.status === 304 && answer.conditional).length;

  it('answers its polls of an unchanged campaign with 304s and keeps showing it', async () => {
    await page.goto(`${base}/dashboard`);
    await page.locator('#key-input').fill(apiKey);
    await page.locator('#key-submit').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await page.locator('tr[data-request-id="quiet"]').click();
    await eventually(async () => expect(await page.locator('#call-rows tr[data-destination]').count()).toBe(3), 10_000);

    // Two polls of each after the first answer (the list and the detail every 2 s, the gauge every second).
    await eventually(
      () => {
        for (const path of ['/status/quiet', '/status/quiet/timeline', '/campaigns', '/organization/usage']) expect([path, notModified(path) >= 2]).toEqual([path, true]);
      },
      15_000,
      200,
    );
    // What the 304s stand for is still on the page: the list's row, the destinations, the gauge.
    expect(await page.locator('tr[data-request-id="quiet"]').count()).toBe(1);
    expect(await page.locator('#call-rows tr[data-destination]').count()).toBe(3);
    expect(await text('tr[data-request-id="quiet"] [data-priority]')).toBe('5');
    expect(await text('#detail-title')).toBe('quiet');
    // A 304 never reached the dashboard for a request it sent without If-None-Match.
    expect(seen.filter((answer) => answer.status === 304 && !answer.conditional)).toEqual([]);
  });

  it('shows a change at the next poll: the new ETag is a 200', async () => {
    const before = seen.length;
    await t.http.patch('/status/quiet').set(KEY, apiKey).send({ priority: 8 }).expect(200);
    await eventually(async () => expect(await text('tr[data-request-id="quiet"] [data-priority]')).toBe('8'), 10_000);
    expect(seen.slice(before).some((answer) => answer.path === '/campaigns' && answer.status === 200 && answer.conditional)).toBe(true);
    // And then 304s again, with the body of that 200.
    const after = seen.length;
    await eventually(() => expect(seen.slice(after).filter((answer) => answer.path === '/campaigns' && answer.status === 304).length).toBeGreaterThanOrEqual(1), 10_000, 200);
    expect(await text('tr[data-request-id="quiet"] [data-priority]')).toBe('8');
  });
});
