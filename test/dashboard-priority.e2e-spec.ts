import { Browser, Page, Request } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const caller = '+6582674904';
const flow = { steps: [{ name: 'play', message: { msg: 'hi' } }] };
/** Every phone rings for 30 s (at 100x): with one slot, the campaigns keep calls waiting for the whole suite. */
const SCRIPT = { default: { ringMs: 3_000_000 } };
const phones = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `+65${prefix}${String(i).padStart(4, '0')}`);

/**
 * Issue 18 in the dashboard: a campaign's priority, weight, cap, start and expiry in its detail and the list,
 * changed while it runs (PATCH /status/{requestId}, the API's message when refused), set in the new-campaign
 * form (times in the browser's zone, sent with its offset), and the expired calls in the summary.
 * One operator's session, test after test in one page (Singapore time, UTC+08:00).
 */
describe('status dashboard: campaign priority, share of the slots, start and expiry', () => {
  let t: TestApp;
  let base: string;
  let apiKey: string;
  let readKey: string;
  let browser: Browser;
  let page: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startTestApp({ simulatorScript: SCRIPT, simulatorSpeed: 100 });
    browser = await launchChromium();
    base = await listen(t.app);
    apiKey = (await t.createOrganization(1, 'Priorities')).apiKey;
    readKey = (await t.http.post('/organization/api-keys').set(KEY, apiKey).send({ name: 'viewer', scope: 'read' }).expect(201)).body.key;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'Asia/Singapore', locale: 'en-US' });
    page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    // A refused PATCH is logged by the browser as a failed resource: expected here, and shown in the page.
    page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && scriptErrors.push(message.text()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => expect(scriptErrors.splice(0)).toEqual([]));

  const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
  const sharing = (name: string) => text(`#detail-sharing [data-sharing="${name}"]`);
  const status = async (requestId: string) => (await t.http.get(`/status/${requestId}?perPage=1`).set(KEY, apiKey).expect(200)).body;
  const submit = (requestId: string, prefix: string, n: number, extra: object = {}) =>
    t.http
      .post('/call')
      .set(KEY, apiKey)
      .send({ requestId, destinations: phones(prefix, n).map((phone) => ({ phone, caller })), callFlow: flow, ...extra })
      .expect(200);

  async function signIn(key: string): Promise<void> {
    await page.locator('#key-input').fill(key);
    await page.locator('#key-submit').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
  }

  async function openCampaign(requestId: string): Promise<void> {
    await page.locator(`tr[data-request-id="${requestId}"]`).click();
    await eventually(async () => expect(await text('#detail-title')).toBe(requestId));
    await eventually(async () => expect(await page.locator('#detail-sharing').isVisible()).toBe(true), 5000);
  }

  it('lists each campaign with its priority, and shows priority, weight, cap, start and expiry in its detail', async () => {
    await submit('prio-a', '8100', 4);
    await submit('prio-b', '8200', 4, { priority: 3, weight: 2 });
    await page.goto(`${base}/dashboard`);
    await signIn(apiKey);
    await eventually(async () => {
      expect(await text('tr[data-request-id="prio-a"] [data-priority]')).toBe('5');
      expect(await text('tr[data-request-id="prio-b"] [data-priority]')).toBe('3');
    }, 10_000);
    expect(await page.locator('tr[data-request-id="prio-b"] [data-priority]').getAttribute('title')).toBe('priority 3 (1 lowest … 10 highest) · weight 2');

    await openCampaign('prio-b');
    expect(await sharing('priority')).toBe('3');
    expect(await sharing('weight')).toBe('2');
    expect(await sharing('maxConcurrentCalls')).toBe('no cap');
    expect(await sharing('startAt')).toBe('at once');
    expect(await sharing('expiresAt')).toBe('never');
    expect(await page.locator('#sharing-edit').isVisible()).toBe(true);
  });

  it('changes the priority and cap while the campaign runs: the PATCH takes effect, and the page shows it', async () => {
    const patches: Request[] = [];
    page.on('request', (request) => request.method() === 'PATCH' && patches.push(request));
    await page.locator('#sharing-edit').click();
    await page.locator('#sharing-form').waitFor({ state: 'visible' });
    expect(await page.locator('#sharing-priority').inputValue()).toBe('3');
    expect(await page.locator('#sharing-weight').inputValue()).toBe('2');
    expect(await page.locator('#sharing-cap').inputValue()).toBe('');
    await page.locator('#sharing-priority').fill('9');
    await page.locator('#sharing-cap').fill('2');
    await page.locator('#sharing-save').click();

    await page.locator('#sharing-form').waitFor({ state: 'hidden' });
    // Only what changed was sent.
    expect(patches.map((request) => [request.url(), request.postDataJSON()])).toEqual([[`${base}/status/prio-b`, { priority: 9, maxConcurrentCalls: 2 }]]);
    expect(await status('prio-b')).toMatchObject({ priority: 9, weight: 2, maxConcurrentCalls: 2, status: expect.stringMatching(/^(submitted|onProgress)$/) });
    await eventually(async () => {
      expect(await sharing('priority')).toBe('9');
      expect(await sharing('maxConcurrentCalls')).toBe('2');
      expect(await text('tr[data-request-id="prio-b"] [data-priority]')).toBe('9');
    }, 5000);
    expect(await sharing('weight')).toBe('2');

    // An emptied cap removes it (null).
    await page.locator('#sharing-edit').click();
    expect(await page.locator('#sharing-priority').inputValue()).toBe('9');
    await page.locator('#sharing-cap').fill('');
    await page.locator('#sharing-save').click();
    await page.locator('#sharing-form').waitFor({ state: 'hidden' });
    expect(patches[1].postDataJSON()).toEqual({ maxConcurrentCalls: null });
    expect(await status('prio-b')).toMatchObject({ priority: 9, maxConcurrentCalls: null });
    await eventually(async () => expect(await sharing('maxConcurrentCalls')).toBe('no cap'), 5000);
  });

  it("shows the API's message when the change is refused: a read-only key gets a 403 and nothing changes", async () => {
    await page.locator('#change-key').click();
    await signIn(readKey);
    await openCampaign('prio-b');
    await page.locator('#sharing-edit').click();
    await page.locator('#sharing-priority').fill('1');
    await page.locator('#sharing-save').click();
    const error = page.locator('#sharing-error');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    expect(await error.textContent()).toContain('"viewer" has scope read');
    expect(await page.locator('#sharing-form').isVisible()).toBe(true); // what was typed stays, to try again
    expect((await status('prio-b')).priority).toBe(9);
    expect(await sharing('priority')).toBe('9');
    await page.locator('#sharing-cancel').click();
    expect(await error.isVisible()).toBe(false);

    await page.locator('#change-key').click();
    await signIn(apiKey);
  });

  it('starts a campaign from the form with priority, weight, cap, start and expiry: times go with the browser offset, and the detail shows them', async () => {
    // The form's text fields as sent (Chromium gives no multipart body with a file to the request event).
    await page.evaluate(() => {
      const w = globalThis as unknown as { fetch: typeof fetch; sentForms: Record<string, string>[] };
      const original = w.fetch.bind(globalThis);
      w.sentForms = [];
      w.fetch = (input, init) => {
        if (init?.body instanceof FormData) w.sentForms.push(Object.fromEntries([...init.body.entries()].filter(([, v]) => typeof v === 'string')) as Record<string, string>);
        return original(input, init);
      };
    });
    await page.locator('#upload-toggle').click();
    await page.locator('#upload-form').waitFor({ state: 'visible' });
    await page.locator('#upload-source-paste').check();
    await page.locator('#upload-numbers').fill(phones('8300', 2).join('\n'));
    await page.locator('#upload-request-id').fill('prio-form');
    await page.locator('#upload-caller').fill(caller);
    await page.locator('#upload-flow').fill(JSON.stringify(flow));
    await page.locator('#upload-sharing summary').click();
    expect(await text('#upload-when-hint')).toContain('Asia/Singapore');
    await page.locator('#upload-priority').fill('8');
    await page.locator('#upload-weight').fill('3');
    await page.locator('#upload-max-concurrent').fill('2');
    await page.locator('#upload-start-at').fill('2030-01-15T09:00');
    await page.locator('#upload-expires-at').fill('2030-01-16T18:30');
    await page.locator('#upload-submit').click();

    await page.locator('#upload-result .ok-text').waitFor({ state: 'visible', timeout: 10_000 });
    const [sent] = await page.evaluate(() => (globalThis as unknown as { sentForms: Record<string, string>[] }).sentForms);
    expect(sent).toMatchObject({ requestId: 'prio-form', priority: '8', weight: '3', maxConcurrentCalls: '2', startAt: '2030-01-15T09:00:00+08:00', expiresAt: '2030-01-16T18:30:00+08:00' });
    expect(await status('prio-form')).toMatchObject({
      priority: 8,
      weight: 3,
      maxConcurrentCalls: 2,
      startAt: '2030-01-15T01:00:00.000Z',
      expiresAt: '2030-01-16T10:30:00.000Z',
      summary: { total: 2, inProgress: 0 },
    });

    // The new campaign opens: its values, the times in the browser's zone.
    await eventually(async () => expect(await text('#detail-title')).toBe('prio-form'), 5000);
    await eventually(async () => expect(await sharing('priority')).toBe('8'), 5000);
    expect(await sharing('weight')).toBe('3');
    expect(await sharing('maxConcurrentCalls')).toBe('2');
    expect(await sharing('startAt')).toMatch(/^Jan 15, 2030, 09:00 (AM )?GMT\+8$/);
    expect(await sharing('expiresAt')).toMatch(/^Jan 16, 2030, (06:30 PM|18:30) GMT\+8$/);
    expect(await page.locator('[data-sharing="startAt"]').getAttribute('title')).toBe('2030-01-15T01:00:00.000Z');
    // Its calls wait for startAt, and the list says when it starts.
    const row = page.locator('tr[data-request-id="prio-form"]');
    await eventually(async () => expect(await row.locator('[data-priority]').textContent()).toBe('8'), 5000);
    expect(await row.locator('[data-starts]').getAttribute('data-starts')).toBe('2030-01-15T01:00:00.000Z');
    await eventually(async () => expect(await page.locator('#call-rows tr .badge').first().textContent()).toBe('scheduled'), 5000);
  });

  it('counts the calls a campaign could not place before it expired, in its summary and funnel; a finished campaign offers no change', async () => {
    // Priority 1 behind prio-b's 9 (which holds the only slot for 30 s a call): its calls are never placed.
    const expiresAt = new Date(Date.now() + 3000).toISOString();
    await submit('prio-expiring', '8400', 2, { priority: 1, expiresAt });
    const done = await t.waitForStatus(apiKey, 'prio-expiring', 'completed', 15_000);
    expect(done.summary).toMatchObject({ total: 2, ended: 2, expired: 2 });

    await openCampaign('prio-expiring');
    await eventually(async () => expect(await text('[data-summary="expired"] .value')).toBe('2'), 5000);
    expect(await text('[data-summary="expired"] .label')).toBe('expired');
    await eventually(async () => expect(await text('[data-funnel-box="expired"] .value')).toBe('2'), 5000);
    expect(await page.locator('#call-rows tr .badge').first().textContent()).toBe('expired');
    expect(await sharing('priority')).toBe('1');
    expect(await page.locator('#sharing-edit').isVisible()).toBe(false);
    expect(await page.locator('tr[data-request-id="prio-expiring"] .seg-expired').count()).toBe(1);
  });
});
