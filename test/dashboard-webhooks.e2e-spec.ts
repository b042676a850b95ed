import { Browser, Page } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';

/** The dashboard's status-callbacks card: the organization's endpoints, their state, and the selected one's recent deliveries. */
describe('dashboard: status callbacks', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let healthy: WebhookReceiver;
  let broken: WebhookReceiver;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startTestApp({
      config: { webhooks: { allowInsecure: true, pollMs: 50, concurrency: 10, concurrencyPerEndpoint: 5, timeoutMs: 1_000, retryScheduleMs: [60_000], disableAfterMs: 5 * 24 * 3600 * 1000, retentionMs: 30 * 24 * 3600 * 1000 } },
    });
    base = await listen(t.app);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    [healthy, broken] = [await WebhookReceiver.start(), await WebhookReceiver.start()];
    broken.behaviour = () => ({ status: 500, body: 'down for maintenance' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await healthy?.close();
    await broken?.close();
  });

  afterEach(() => expect(scriptErrors.splice(0)).toEqual([]));

  it("shows the endpoints with their state and each one's recent deliveries", async () => {
    const { apiKey } = await t.createOrganization(4, 'Webhooks dashboard');
    const api = (path: string) => t.http.post(path).set(KEY, apiKey);
    const good = (await api('/organization/webhook-endpoints').send({ url: healthy.url, description: 'CRM' })).body;
    const bad = (await api('/organization/webhook-endpoints').send({ url: broken.url, events: ['campaign.completed'], description: 'Old CRM' })).body;
    const destinations = [1, 2].map((i) => ({ phone: `+659500000${i}`, caller: CALLER, properties: { name: `N${i}` } }));
    expect((await api('/call').send({ requestId: 'dash-hooks', destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] } })).status).toBe(200);
    await t.waitForStatus(apiKey, 'dash-hooks');
    await healthy.waitFor((r) => r.unique().length === 3);
    await broken.waitFor((r) => r.requests.length === 1);

    await page.goto(`${base}/dashboard`);
    await page.locator('#key-input').fill(apiKey);
    await page.locator('#key-submit').click();
    const goodRow = page.locator(`#webhook-rows tr[data-endpoint-id="${good.id}"]`);
    const badRow = page.locator(`#webhook-rows tr[data-endpoint-id="${bad.id}"]`);
    await goodRow.waitFor();
    expect(await goodRow.locator('td').first().textContent()).toBe(healthy.url);
    expect(await goodRow.locator('[data-state]').getAttribute('data-state')).toBe('enabled');
    await eventually(async () => expect(await badRow.locator('[data-state]').getAttribute('data-state')).toBe('failing'));

    // The first endpoint is selected: its three deliveries, delivered with a 200.
    await eventually(async () => expect(await page.locator('#delivery-rows tr').count()).toBe(3));
    expect(await page.locator('#delivery-rows [data-status="delivered"]').count()).toBe(3);
    expect(await page.locator('#deliveries-title').textContent()).toContain(healthy.url);

    // The failing one: its delivery is pending, the 500 shown, the next attempt due.
    await badRow.click();
    await eventually(async () => expect(await page.locator('#deliveries-title').textContent()).toContain(broken.url));
    await eventually(async () => expect(await page.locator('#delivery-rows tr').count()).toBe(1));
    const row = page.locator('#delivery-rows tr').first();
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('pending');
    expect(await row.textContent()).toContain('campaign.completed');
    expect(await row.textContent()).toContain('500');

    // Disabled (here by hand), it says so, and its pending delivery waits, suspended.
    const patch = (enabled: boolean) => t.http.patch(`/organization/webhook-endpoints/${bad.id}`).set(KEY, apiKey).send({ enabled });
    expect((await patch(false)).status).toBe(200);
    await eventually(async () => expect(await badRow.locator('[data-state]').getAttribute('data-state')).toBe('disabled'));
    await eventually(async () => expect(await page.locator('#delivery-rows [data-status]').first().getAttribute('data-status')).toBe('suspended'));
    // Enabled again, the suspended delivery is sent at once (not at its next attempt, a minute away).
    expect((await patch(true)).status).toBe(200);
    await broken.waitFor((r) => r.requests.length === 2, 5_000);
    await eventually(async () => expect(await page.locator('#delivery-rows tr').first().textContent()).toMatch(/^campaign\.completedfailed2500/)); // its 2nd and last attempt (one retry in this schedule)
  }, 60_000);
});
