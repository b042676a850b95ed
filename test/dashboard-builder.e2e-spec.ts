import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { SEED_EXAMPLE } from './support/seed-example';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const SCREENSHOTS = process.env.UPDATE_SCREENSHOT === '1';

const phone = (i: number) => `+6591000${String(i).padStart(3, '0')}`;
/** Ten debtors: five press 1, two press 0 (an agent: one of them busy), one presses nothing (the default: an agent), one busy, one never answers. */
const BEHAVIOUR: Record<number, object> = {
  0: { digits: ['1'] },
  1: { digits: ['1'] },
  2: { digits: ['1'] },
  3: { digits: ['1'] },
  4: { digits: ['1'] },
  5: { digits: ['0'] },
  6: { digits: ['0'], transfer: 'busy' },
  7: { digits: [] },
  8: { answer: 'busy' },
  9: { answer: 'no_answer' },
};
const NAMES = ['Ann Tan', 'Bob Lim', 'Cy Ong', 'Dee Koh', 'Eve Ng', 'Fay Goh', 'Gus Teo', 'Hal Yeo', 'Ivy Chua', 'Jon Lee'];
/** The debtors as an operator's CSV (the seed's columns, `Due Date` as spreadsheets write it), with an invalid number on line 4. */
const CSV = [
  'phone,name,amount,Due Date',
  ...NAMES.slice(0, 2).map((name, i) => `${phone(i)},${name},"${(i + 1) * 100},000$","August 20th, 2020"`),
  '+6512345678,Bad Number,"1,000$","August 20th, 2020"',
  ...NAMES.slice(2).map((name, j) => `${phone(j + 2)},${name},"${(j + 3) * 100},000$","August 20th, 2020"`),
  '',
].join('\n');

/** The seed's flow as the builder writes it: `language` for the example's `lang`, real booleans, no `default: false`. */
function asBuilderWritesIt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asBuilderWritesIt);
  if (value === null || typeof value !== 'object') return value === 'true' ? true : value === 'false' ? false : value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    const converted = asBuilderWritesIt(field);
    if (name === 'default' && converted === false) continue;
    out[name === 'lang' ? 'language' : name] = converted;
  }
  return out;
}
const SEED_FLOW = asBuilderWritesIt(SEED_EXAMPLE.callFlow);

/**
 * The operator's path of issue 16 in headless Chromium, one page, test after test: the seed example's flow built
 * from nothing in the flow builder (errors shown at their step), previewed with a sample row from a CSV, heard,
 * saved and saved again as a new version; a campaign started from a CSV with the saved flow after a dry run;
 * its funnel filling, and one box exported.
 */
describe('dashboard: flow builder, starting a campaign, funnel (headless Chromium)', () => {
  let t: TestApp;
  let base: string;
  let apiKey: string;
  let browser: Browser;
  let page: Page;
  let savedId: string;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    ensureDashboardClientBuilt();
    t = await startTestApp({
      simulatorSpeed: 100,
      simulatorScript: { default: { ringMs: 500, digits: ['1'] }, numbers: Object.fromEntries(Object.entries(BEHAVIOUR).map(([i, b]) => [phone(Number(i)), b])) },
    });
    browser = await launchChromium();
    base = await listen(t.app);
    apiKey = (await t.createOrganization(4, 'Builder test')).apiKey;
    page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true, deviceScaleFactor: 1 })).newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource') && scriptErrors.push(message.text()));
    await page.goto(`${base}/dashboard`);
    await page.locator('#key-input').fill(apiKey);
    await page.locator('#key-submit').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => expect(scriptErrors.splice(0)).toEqual([]));

  const api = () => ({ get: (path: string) => t.http.get(path).set(KEY, apiKey) });
  const field = (path: string) => page.locator(`[data-field="${path}"]`);
  const addStep = (owner: string, kind: string) => page.locator(`[data-steps-of="${owner}"] > .fb-add [data-add="${kind}"]`).click();
  const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
  const jsonView = async () => {
    await page.locator('#view-json').click();
    const flow = JSON.parse(await page.locator('#flow-json').inputValue());
    await page.locator('#view-tree').click();
    return flow;
  };

  it("builds the seed example's flow from nothing, with the sample row's placeholders offered while typing", async () => {
    await page.locator('#flow-new').click();
    await page.locator('#builder').waitFor({ state: 'visible' });
    expect(await page.locator('.fb-step').count()).toBe(0);

    // The sample row: the first rows of the debtors' CSV, read in the page.
    await page.locator('#sample-file').setInputFiles({ name: 'debtors.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await eventually(async () => expect(await page.locator('#sample-row option').count()).toBe(5));
    expect(await page.locator('[data-sample-value="dueDate"]').inputValue()).toBe('August 20th, 2020');
    expect(await page.locator('[data-sample-value="name"]').inputValue()).toBe('Ann Tan');

    await page.locator('#flow-title').fill('Seed example');
    await addStep('', 'play');
    const greeting = field('steps[0].message.msg');
    await greeting.pressSequentially('thanks ');
    // The placeholders of the sample row, offered under the message being typed; a click inserts one.
    await page.locator('#placeholder-chips [data-placeholder="name"]').click();
    expect(await greeting.inputValue()).toBe('thanks {{name}}');
    expect(await page.locator('#placeholder-chips [data-placeholder="Due Date"]').textContent()).toBe('{{[Due Date]}}');
    await field('steps[0].message.language').fill('en');
    await field('steps[0].message.gender').selectOption('male');

    await addStep('', 'gather');
    const prompt = field('steps[1].message.msg');
    await prompt.pressSequentially('Dear Mr ');
    await page.locator('#placeholder-chips [data-placeholder="name"]').click();
    await prompt.pressSequentially(', the amount of {{');
    await page.locator('#placeholder-chips [data-placeholder="amount"]').click(); // completes the `{{` typed
    await prompt.pressSequentially(' will be due on ');
    await page.locator('#placeholder-chips [data-placeholder="dueDate"]').click();
    expect(await prompt.inputValue()).toBe('Dear Mr {{name}}, the amount of {{amount}} will be due on {{dueDate}}');
    // A new gather comes with a branch for key 1.
    expect(await field('steps[1].branches[0].digit').inputValue()).toBe('1');

    await addStep('steps[1].branches[0].callFlow', 'gather');
    await field('steps[1].branches[0].callFlow.steps[0].message.msg').fill('message need to play');
    await field('steps[1].branches[0].callFlow.steps[0].message.language').fill('en');
    await field('steps[1].branches[0].callFlow.steps[0].message.gender').selectOption('female');
    await field('steps[1].branches[0].callFlow.steps[0].branches[0].digit').fill('');
    await field('steps[1].branches[0].callFlow.steps[0].branches[0].default').check();
    await addStep('steps[1].branches[0].callFlow.steps[0].branches[0].callFlow', 'play');
    await field('steps[1].branches[0].callFlow.steps[0].branches[0].callFlow.steps[0].message.msg').fill('msg need to play');

    await page.locator('[data-add-branch="steps[1]"]').click();
    await field('steps[1].branches[1].digit').fill('0');
    await field('steps[1].branches[1].default').check();
    await addStep('steps[1].branches[1].callFlow', 'transfer');

    // The transfer has no destination yet: the API's own error, shown at that field of that step.
    const error = page.locator('[data-path="steps[1].branches[1].callFlow.steps[0]"] .fb-field-error');
    await eventually(async () => expect(await error.textContent()).toMatch(/^must be an E\.164 number .*Ext:1000/), 10_000);
    expect(await field('steps[1].branches[1].callFlow.steps[0].destination').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-path="steps[1].branches[1].callFlow.steps[0]"]').getAttribute('class')).toContain('has-error');

    await field('steps[1].branches[1].callFlow.steps[0].destination').fill('Ext:1000');
    await eventually(async () => expect(await page.locator('.fb-field-error').count()).toBe(0), 10_000);
    // The same document as JSON is the seed example's flow.
    expect(await jsonView()).toEqual(SEED_FLOW);
  });

  it('reorders and removes steps, and edits the flow as JSON', async () => {
    await addStep('', 'record');
    await page.locator('[data-path="steps[2]"] [data-action="up"]').click();
    const kind = (path: string) => page.locator(`[data-path="${path}"] > .fb-step-head .fb-kind`).textContent();
    expect(await kind('steps[1]')).toBe('record');
    expect(await kind('steps[2]')).toBe('gather');
    await page.locator('[data-path="steps[1]"] [data-action="remove"]').click();
    expect(await jsonView()).toEqual(SEED_FLOW);

    // JSON is one click away, and what is typed there is what the tree shows.
    await page.locator('#view-json').click();
    const edited = structuredClone(SEED_FLOW) as any;
    edited.steps[0].message.msg = 'Hello {{name}}';
    await page.locator('#flow-json').fill(JSON.stringify(edited, null, 2));
    await page.locator('#view-tree').click();
    expect(await field('steps[0].message.msg').inputValue()).toBe('Hello {{name}}');
    await field('steps[0].message.msg').fill('thanks {{name}}');
    // Text that is not JSON stays in the JSON view with the parser's message.
    await page.locator('#view-json').click();
    await page.locator('#flow-json').fill('{"steps": [');
    await page.locator('#view-tree').click();
    expect(await page.locator('#flow-json-error').isVisible()).toBe(true);
    expect(await page.locator('#flow-json-view').isVisible()).toBe(true);
    await page.locator('#flow-json').fill(JSON.stringify(SEED_FLOW));
    await page.locator('#view-tree').click();
    expect(await page.locator('#flow-tree').isVisible()).toBe(true);
  });

  it('previews the call with the sample row and the keys pressed, and speaks it', async () => {
    await page.locator('#preview-keys').fill('1');
    await page.locator('#preview-run').click();
    const steps = page.locator('#preview-steps > li');
    await eventually(async () => expect(await steps.count()).toBe(4), 10_000);
    expect(await steps.evaluateAll((items) => items.map((item) => (item as unknown as { dataset: { previewPath: string } }).dataset.previewPath))).toEqual([
      'steps[0]',
      'steps[1]',
      'steps[1].branches[0].callFlow.steps[0]',
      'steps[1].branches[0].callFlow.steps[0].branches[0].callFlow.steps[0]',
    ]);
    expect(await steps.nth(0).locator('blockquote').textContent()).toBe('thanks Ann Tan');
    expect(await steps.nth(1).locator('blockquote').textContent()).toBe('Dear Mr Ann Tan, the amount of 100,000$ will be due on August 20th, 2020');
    expect(await steps.nth(1).locator('[data-fact="branch"]').textContent()).toContain('follows key 1');
    // The nested gather gets no key: prompted three times, then its default branch.
    expect(await steps.nth(2).locator('[data-prompt]').count()).toBe(3);
    expect(await steps.nth(2).locator('[data-fact="branch"]').textContent()).toContain('the default branch');

    // Another row of the CSV, and key 0: the agent.
    await page.locator('#sample-row').selectOption('3'); // Cy Ong (row 2 of the file is the bad number)
    await page.locator('#preview-keys').fill('0');
    await eventually(async () => expect(await steps.count()).toBe(3), 10_000);
    expect(await steps.nth(0).locator('blockquote').textContent()).toBe('thanks Cy Ong');
    expect(await steps.nth(2).locator('[data-fact="transfer"]').textContent()).toBe('to Ext:1000 · answered');
    expect(await page.locator('#preview-outcome [data-outcome]').getAttribute('data-outcome')).toBe('transferred');

    // A placeholder the sample row lacks: the API's message, outside the flow's steps.
    await page.locator('[data-sample-value="amount"]').fill('');
    await eventually(async () => expect(await text('#flow-errors')).toMatch(/amount/), 10_000);
    await page.locator('[data-sample-value="amount"]').fill('300,000$');
    await eventually(async () => expect(await page.locator('#flow-errors').isVisible()).toBe(false), 10_000);

    await page.locator('#preview-listen').click();
    const audio = page.locator('#preview-audio audio[data-preview-audio]');
    const unavailable = page.locator('#preview-audio [data-preview-audio-error]');
    await eventually(async () => expect((await audio.count()) + (await unavailable.count())).toBe(1), 20_000);
    if ((await audio.count()) === 1) {
      expect(await audio.getAttribute('src')).toMatch(/^blob:/);
      await eventually(async () => expect(await audio.evaluate((element) => (element as unknown as { duration: number }).duration)).toBeGreaterThan(1), 10_000);
    } else {
      // No espeak-ng where the API runs: the API's one-line hint.
      expect(await unavailable.getAttribute('data-preview-audio-error')).toBe('501');
      expect(await unavailable.textContent()).toMatch(/espeak-ng/);
    }

    if (SCREENSHOTS) {
      await page.locator('#preview-keys').fill('1');
      await page.locator('#sample-row').selectOption('0');
      await eventually(async () => expect(await steps.count()).toBe(4), 10_000);
      await field('steps[1].message.msg').focus();
      await page.mouse.move(0, 0);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const path = join(__dirname, '../docs/flow-builder.png');
      await page.locator('#flows').screenshot({ path });
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('saves the flow, then a new version of it', async () => {
    await page.locator('#flow-save-new').click();
    await eventually(async () => expect(await text('#flow-status')).toBe('Saved “Seed example”, version 1.'), 10_000);
    const list = (await api().get('/call-flows').expect(200)).body;
    expect(list.items).toHaveLength(1);
    savedId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ title: 'Seed example', version: 1, callFlow: SEED_FLOW });
    expect(await page.locator('#flow-list option:checked').textContent()).toBe('Seed example · v1');

    // A title the API refuses: its message; nothing saved.
    await page.locator('#flow-title').fill('   ');
    await page.locator('#flow-save-new').click();
    await eventually(async () => expect(await page.locator('#flow-status').getAttribute('class')).toContain('error-text'), 10_000);
    expect((await api().get('/call-flows').expect(200)).body.items).toHaveLength(1);
    await page.locator('#flow-title').fill('Seed example');

    // A new version: the agent's key is 9 now.
    await field('steps[1].branches[1].digit').fill('9');
    expect(await page.locator('#flow-use').isDisabled()).toBe(true); // unsaved changes are not what a campaign would use
    await page.locator('#flow-save-version').click();
    await eventually(async () => expect(await text('#flow-status')).toBe('Saved “Seed example”, version 2.'), 10_000);
    const v2 = (await api().get(`/call-flows/${savedId}`).expect(200)).body;
    expect(v2.version).toBe(2);
    expect(v2.callFlow.steps[1].branches[1].digit).toBe('9');
    expect((await api().get(`/call-flows/${savedId}?version=1`).expect(200)).body.callFlow).toEqual(SEED_FLOW);

    // Opened again from the list: its latest version.
    await page.locator('#flow-new').click();
    expect(await page.locator('.fb-step').count()).toBe(0);
    await page.locator('#flow-list').selectOption(savedId);
    await eventually(async () => expect(await field('steps[1].branches[1].digit').inputValue()).toBe('9'));
    await field('steps[1].branches[1].digit').fill('0');
    await page.locator('#flow-save-version').click();
    await eventually(async () => expect(await text('#flow-status')).toBe('Saved “Seed example”, version 3.'), 10_000);
    expect(await page.locator('#flow-save-version').textContent()).toBe('Save as version 4');

    // Earlier versions open from the version list; saving from one makes the next version after the latest.
    expect(await page.locator('#flow-versions option:checked').textContent()).toBe('3 (latest)');
    await page.locator('#flow-versions').selectOption('2');
    await eventually(async () => expect(await field('steps[1].branches[1].digit').inputValue()).toBe('9'));
    expect(await page.locator('#flow-save-version').textContent()).toBe('Save as version 4');
    await page.locator('#flow-versions').selectOption('3');
    await eventually(async () => expect(await field('steps[1].branches[1].digit').inputValue()).toBe('0'));
  });

  it('starts a campaign from a CSV with the saved flow, after a dry run (calling hours, retries, machine detection)', async () => {
    await page.locator('#flow-use').click();
    await page.locator('#upload').waitFor({ state: 'visible' });
    expect(await page.locator('#upload-flow-source-saved').isChecked()).toBe(true);
    expect(await page.locator('#upload-saved-flow').inputValue()).toBe(savedId);
    expect(await page.locator('#upload-flow-version').inputValue()).toBe('3');
    expect(await page.locator('#upload-flow').isVisible()).toBe(false);

    await page.locator('#upload-file').setInputFiles({ name: 'debtors.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.locator('#upload-request-id').fill('builder-campaign');
    await page.locator('#upload-caller').fill(CALLER);
    await page.locator('#upload-options summary').click();
    // Calling hours closed now in Singapore (a one-hour window twelve hours away): every valid row would wait.
    const singaporeHour = (new Date().getUTCHours() + 8) % 24;
    const opens = `${String((singaporeHour + 12) % 24).padStart(2, '0')}:00`;
    const closes = `${String((singaporeHour + 12) % 24).padStart(2, '0')}:59`;
    await page.locator('#upload-hours-on').check();
    await page.locator('#upload-hours-start').fill(opens);
    await page.locator('#upload-hours-end').fill(closes);
    for (const day of ['sat', 'sun']) await page.locator(`#upload-hours-days input[value="${day}"]`).check();
    await page.locator('#upload-hours-timezone').fill('Asia/Singapore');
    await page.locator('#upload-retry-on').check();
    await page.locator('#upload-retry-busy-attempts').fill('2');
    await page.locator('#upload-retry-busy-delay').fill('60');
    await page.locator('#upload-amd').selectOption('hangup');

    const result = page.locator('#upload-result');
    const dry = async (name: string) => Number(((await result.locator(`[data-dry-run="${name}"]`).textContent()) ?? '').split(' ')[0]);
    await page.locator('#upload-dry-run').click();
    await eventually(async () => expect(await dry('destinations')).toBe(11), 10_000);
    expect({ now: await dry('wouldDialNow'), scheduled: await dry('scheduled'), suppressed: await dry('suppressed'), rejected: await dry('rejected') }).toEqual({
      now: 0,
      scheduled: 10,
      suppressed: 0,
      rejected: 1,
    });
    expect(await result.locator('.row-errors tr[data-line="4"] td').allTextContents()).toEqual(['4', 'phone', '+6512345678', 'is not a valid phone number']);
    expect((await api().get('/status/builder-campaign')).status).toBe(404); // a dry run stores nothing

    // Without calling hours (any time) and without retries; one number on the do-not-call list.
    await t.http.post('/organization/dnc').set(KEY, apiKey).send({ phones: [phone(9)] }).expect(200);
    await page.locator('#upload-hours-on').uncheck();
    await page.locator('#upload-retry-on').uncheck();
    await page.locator('#upload-dry-run').click();
    await eventually(async () => expect(await dry('wouldDialNow')).toBe(9), 10_000);
    expect(await dry('suppressed')).toBe(1);

    await page.locator('#upload-skip').check();
    await page.locator('#upload-submit').click();
    await result.locator('.ok-text').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await result.locator('.import-counts').textContent()).toBe('11 rows read · 10 accepted · 1 rejected');
    await eventually(async () => expect(await text('#detail-title')).toBe('builder-campaign'));
    const status = (await api().get('/status/builder-campaign?perPage=1').expect(200)).body;
    expect(status.summary.total).toBe(10);
    // The campaign keeps the saved flow's version 3 it started with, and says so.
    expect(status).toMatchObject({ callFlowId: savedId, callFlowVersion: 3 });
    await eventually(async () => expect(await text('#detail-meta')).toContain('CSV campaign · flow “Seed example” version 3'), 5000);
  });

  it('shows the funnel filling, and exports the destinations of one box', async () => {
    const count = async (box: string) => Number(((await page.locator(`[data-funnel-box="${box}"] .value`).first().textContent()) ?? '').replace(/\D/g, ''));
    await eventually(async () => {
      expect(await count('steps[1]/key:1')).toBe(5);
      expect(await count('steps[1]/key:0')).toBe(2);
      expect(await count('steps[1]/key:')).toBe(1);
    }, 30_000);
    await t.waitForStatus(apiKey, 'builder-campaign', 'completed', 30_000);
    expect(await count('total')).toBe(10);
    expect(await count('answered')).toBe(8);
    expect(await count('suppressed')).toBe(1);
    expect(await count('steps[0]/reached')).toBe(8);
    expect(await count('steps[1].branches[1].steps[0]/transfer:answered')).toBe(2);
    expect(await count('steps[1].branches[1].steps[0]/transfer:notAnswered')).toBe(1);
    await eventually(async () => expect(await page.locator('#funnel-eta').getAttribute('data-eta-reason')).toBe('completed'), 10_000);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-funnel-box="steps[1]/key:1"] [data-export]').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    for (let i = 0; i < 5; i++) expect(csv).toContain(phone(i));
    for (let i = 5; i < 10; i++) expect(csv).not.toContain(phone(i));
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    if (SCREENSHOTS) {
      await page.mouse.move(0, 0);
      const path = join(__dirname, '../docs/funnel.png');
      await page.locator('#funnel').screenshot({ path });
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('still starts a campaign from a CSV with a flow pasted as JSON, and from pasted numbers', async () => {
    await page.locator('#upload-flow-source-json').check();
    expect(await page.locator('#upload-flow').isVisible()).toBe(true);
    await page.locator('#upload-flow').fill(JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Hello, this is a reminder.' } }] }));
    await page.locator('#upload-source-paste').check();
    expect(await page.locator('#upload-file').isVisible()).toBe(false);
    await page.locator('#upload-numbers').fill('+6591000201\n+65 9100 0202\n');
    await page.locator('#upload-request-id').fill('pasted-numbers');
    await page.locator('#upload-submit').click();
    const result = page.locator('#upload-result');
    await eventually(async () => expect(await result.textContent()).toContain('2 rows read · 2 accepted · 0 rejected'), 10_000);
    await t.waitForStatus(apiKey, 'pasted-numbers', 'completed', 20_000);
    const destinations = (await api().get('/status/pasted-numbers').expect(200)).body.details.map((d: { destination: string }) => d.destination).sort();
    expect(destinations).toEqual(['+6591000201', '+6591000202']);
  });

  it('deletes a saved flow after asking; the campaign started with it keeps its flow', async () => {
    await page.locator('#flow-list').selectOption(savedId);
    await page.locator('#flow-delete').click();
    const dialog = page.locator('#flow-delete-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.locator('h2').textContent()).toBe('Delete the flow “Seed example”?');
    await dialog.locator('#flow-delete-keep').click();
    expect((await api().get(`/call-flows/${savedId}`)).status).toBe(200);

    await page.locator('#flow-delete').click();
    await dialog.locator('#flow-delete-confirm').click();
    await page.locator('#builder').waitFor({ state: 'hidden' });
    expect((await api().get(`/call-flows/${savedId}`)).status).toBe(404);
    expect(await page.locator('#flow-list option').allTextContents()).toEqual(['No saved flow yet']);
    const status = (await api().get('/status/builder-campaign?perPage=1').expect(200)).body;
    expect(status).toMatchObject({ status: 'completed', callFlowId: savedId, callFlowVersion: 3 });
  });

  it('asks before unsaved changes are thrown away', async () => {
    await page.locator('#flow-new').click();
    await addStep('', 'play');
    const dialog = page.locator('#flow-discard-dialog');
    await page.locator('#flow-new').click();
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('#flow-discard-keep').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('.fb-step').count()).toBe(1);
    await page.locator('#flow-close').click();
    await dialog.locator('#flow-discard-confirm').click();
    await page.locator('#builder').waitFor({ state: 'hidden' });
  });

  it("shows nothing of an organization's flows after the key is changed to another organization's", async () => {
    await page.locator('#flow-new').click();
    expect(await page.locator('.fb-step').count()).toBe(0);
    await addStep('', 'play');
    await field('steps[0].message.msg').fill('Only for the first organization');
    await page.locator('#flow-title').fill('First organization');
    await page.locator('#flow-save-new').click();
    await eventually(async () => expect(await text('#flow-status')).toBe('Saved “First organization”, version 1.'), 10_000);

    const other = (await t.createOrganization(1, 'Other organization')).apiKey;
    await page.locator('#change-key').click();
    await page.locator('#key-input').fill(other);
    await page.locator('#key-submit').click();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    expect(await page.locator('#builder').isVisible()).toBe(false);
    await eventually(async () => expect(await page.locator('#flow-list option').allTextContents()).toEqual(['No saved flow yet']));
    expect(await page.locator('#upload-saved-flow option').allTextContents()).toEqual(['No saved flow yet: build one in Call flows']);
  });
});
