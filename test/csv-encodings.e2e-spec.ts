import { parse } from 'csv-parse/sync';
import * as iconv from 'iconv-lite';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ensureDashboardClientBuilt, eventually, launchChromium, listen } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

/**
 * CSV files as spreadsheets write them, through POST /call/csv: quotes inside unquoted fields, and the encodings
 * Excel saves in (its plain "CSV" on Windows is Windows-1252; its "Unicode Text" is UTF-16LE with a byte-order
 * mark and tabs). Every file is built by encoding text with iconv-lite, as Excel would write it.
 */
const KEY = 'x-credential-api-key';
const CALLER = '+6582674904';
const FLOW = JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Hello {{name}}, you owe {{amount}}' } }] });

type Raw = Record<string, any>;

/** Debtors whose names need more than ASCII: é, ü, € (0x80 in Windows-1252), ’ (0x92). */
const DEBTORS = [
  { phone: '+6588893322', name: 'José Müller', amount: '€ 1.234,50' },
  { phone: '+6591234567', name: 'Siobhán O’Brien', amount: '€ 99' },
  { phone: '+6581234567', name: 'Zoë Ångström', amount: '€ 7' },
];
/** What ISO-8859-1 can hold: no € and no ’. */
const LATIN1_DEBTORS = [
  { phone: '+6588893322', name: 'José Müller', amount: '£ 12' },
  { phone: '+6591234567', name: 'Siobhán Ó Briain', amount: '½ of 200' },
];

const csvText = (rows: Raw[], delimiter: string, eol = '\r\n') =>
  [['phone', 'name', 'amount'], ...rows.map((r) => [r.phone, r.name, r.amount])].map((cells) => cells.join(delimiter)).join(eol) + eol;

describe('CSV upload: encodings and quotes as spreadsheets write them (POST /call/csv)', () => {
  let t: TestApp;
  let apiKey: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ simulatorScript: { default: { ringMs: 10 } } });
    apiKey = (await t.createOrganization(10)).apiKey;
    db = t.app.get(DataSource);
  }, 30_000);
  afterAll(() => t.close());

  function upload(requestId: string, file: Buffer, fields: Record<string, string> = {}) {
    let req = t.http.post('/call/csv').set(KEY, apiKey).field('requestId', requestId).field('callFlow', FLOW).field('caller', CALLER);
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
    return req.attach('file', file, 'debtors.csv');
  }

  /** The stored calls' phone and properties, in file order; null when the request was not stored at all. */
  async function stored(requestId: string): Promise<Raw[] | null> {
    const [request] = await db.query(`SELECT id FROM call_requests WHERE request_id = $1`, [requestId]);
    if (!request) return null;
    const calls: Raw[] = await db.query(`SELECT phone, properties FROM calls WHERE call_request_id = $1 ORDER BY destination_index`, [request.id]);
    return calls.map((call) => ({ phone: call.phone, ...call.properties }));
  }

  function expectOk(response: { status: number; body: unknown }): void {
    expect({ status: response.status, body: response.status === 200 ? 'ok' : response.body }).toEqual({ status: 200, body: 'ok' });
  }

  /** A 400 naming the file (and the line when given), and nothing stored. */
  async function expectRefused(requestId: string, file: Buffer, fields: Record<string, string>, pattern: RegExp, line?: number): Promise<Raw> {
    const response = await upload(requestId, file, fields);
    expect({ status: response.status, message: response.body.message }).toEqual({ status: 400, message: expect.stringMatching(pattern) });
    expect(response.body.errors[0].field).toBe('file');
    if (line !== undefined) expect(response.body.errors[0].line).toBe(line);
    expect(await stored(requestId)).toBeNull();
    return response.body;
  }

  describe('encodings', () => {
    it('reads a Windows-1252 file (Excel\'s "CSV" on Windows) with encoding=windows-1252', async () => {
      const file = iconv.encode(csvText(DEBTORS, ';'), 'windows-1252');
      expect(file.includes(0x80) && file.includes(0x92)).toBe(true); // € and ’ as Windows writes them
      const response = await upload('cp1252', file, { encoding: 'windows-1252' });
      expectOk(response);
      expect(response.body.importReport).toMatchObject({ rowsRead: 3, rowsAccepted: 3 });
      expect(await stored('cp1252')).toEqual(DEBTORS);

      // What is spoken is the text as written.
      const done = await t.waitForStatus(apiKey, 'cp1252');
      expect(done.details[1].callFlowSteps[0].info.message).toBe('Hello Siobhán O’Brien, you owe € 99');
    });

    it('refuses the same Windows-1252 file without the encoding field, at the line of its first such byte, and says which field to send', async () => {
      const file = iconv.encode(csvText(DEBTORS, ';'), 'windows-1252');
      const body = await expectRefused('cp1252-undeclared', file, {}, /line 2: the file is not UTF-8 text \(the byte 0xE9 at byte \d+ is not UTF-8\).*encoding=windows-1252/, 2);
      expect(body.importReport).toMatchObject({ rowsRead: 0, rowsAccepted: 0 });
    });

    it('reads a UTF-16LE file with a byte-order mark and tabs (Excel\'s "Unicode Text") without the encoding field, and with it', async () => {
      const file = iconv.encode(csvText(DEBTORS, '\t'), 'utf-16le', { addBOM: true });
      expect([...file.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x70, 0x00]);
      expectOk(await upload('unicode-text', file));
      expect(await stored('unicode-text')).toEqual(DEBTORS);
      expectOk(await upload('unicode-text-declared', file, { encoding: 'UTF-16LE' }));
      expect(await stored('unicode-text-declared')).toEqual(DEBTORS);
    });

    it('reads UTF-16BE by its byte-order mark, and without one when declared', async () => {
      expectOk(await upload('utf16be-bom', iconv.encode(csvText(DEBTORS, ';'), 'utf-16be', { addBOM: true })));
      expect(await stored('utf16be-bom')).toEqual(DEBTORS);
      expectOk(await upload('utf16be-declared', iconv.encode(csvText(DEBTORS, ';'), 'utf-16be'), { encoding: 'utf-16be' }));
      expect(await stored('utf16be-declared')).toEqual(DEBTORS);
    });

    it('reads an ISO-8859-1 file with encoding=iso-8859-1', async () => {
      const file = iconv.encode(csvText(LATIN1_DEBTORS, ','), 'iso-8859-1');
      expectOk(await upload('latin1', file, { encoding: 'iso-8859-1' }));
      expect(await stored('latin1')).toEqual(LATIN1_DEBTORS);
    });

    it('refuses UTF-16 without a byte-order mark when undeclared, saying which encoding to send', async () => {
      const file = iconv.encode(csvText(DEBTORS, '\t'), 'utf-16le');
      await expectRefused('utf16-no-bom', file, {}, /NUL byte at byte 1; it looks like UTF-16LE text without a byte-order mark: send encoding=utf-16le/, 1);
    });

    it.each([
      [
        'a byte Windows-1252 leaves undefined',
        'windows-1252',
        () => Buffer.concat([iconv.encode(csvText(DEBTORS, ';'), 'windows-1252'), iconv.encode('+6598765432;Ann', 'windows-1252'), Buffer.from([0x81]), Buffer.from(';1\r\n')]),
        /line 5: the file is not Windows-1252 text \(the byte 0x81 at byte \d+ is undefined in Windows-1252/,
        5,
      ],
      [
        'UTF-8 text declared as Windows-1252 ("Ł" is C5 81)',
        'windows-1252',
        () => Buffer.from(csvText([...DEBTORS, { phone: '+6598765432', name: 'Łukasz', amount: '1' }], ';')),
        /line 5: the file is not Windows-1252 text .*is the file UTF-8\?/,
        5,
      ],
      [
        'a C1 control byte in ISO-8859-1 (Windows-1252 text: € is 0x80)',
        'iso-8859-1',
        () => iconv.encode(csvText(DEBTORS, ';'), 'windows-1252'),
        /line 2: the file is not ISO-8859-1 text \(the byte 0x80 at byte \d+ is a control character there.*send encoding=windows-1252/,
        2,
      ],
      [
        'UTF-16 with an odd number of bytes',
        'utf-16le',
        () => Buffer.concat([iconv.encode(csvText(DEBTORS, '\t'), 'utf-16le', { addBOM: true }), Buffer.from([0x41])]),
        /line 5: the file is not UTF-16LE text \(it ends in the middle of a character/,
        5,
      ],
      [
        'UTF-16 with an unpaired surrogate',
        'utf-16le',
        () => Buffer.concat([iconv.encode(`${csvText(DEBTORS, '\t')}+6598765432\tAnn`, 'utf-16le', { addBOM: true }), Buffer.from([0x3d, 0xd8]), iconv.encode('\t1\r\n', 'utf-16le')]),
        /line 5: the file is not UTF-16LE text \(it has a surrogate without its pair, 0xD83D/,
        5,
      ],
      [
        'a byte-order mark that contradicts the declared encoding',
        'windows-1252',
        () => iconv.encode(csvText(DEBTORS, '\t'), 'utf-16le', { addBOM: true }),
        /line 1: the file starts with a UTF-16LE byte-order mark, but the encoding field says windows-1252: send encoding=utf-16le, or leave the field out/,
        1,
      ],
    ])('refuses %s, with its line, storing nothing', async (label, encoding, file, pattern, line) => {
      await expectRefused(`invalid ${label}`, file(), { encoding }, pattern, line);
    });

    it('refuses an encoding it does not know, naming the field', async () => {
      for (const encoding of ['latin1', 'utf8', 'ebcdic', '']) {
        const response = await upload(`unknown-encoding-${encoding}`, Buffer.from(csvText(DEBTORS, ';')), { encoding });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([{ field: 'encoding', message: 'must be one of utf-8, windows-1252, iso-8859-1, utf-16le, utf-16be' }]);
        expect(await stored(`unknown-encoding-${encoding}`)).toBeNull();
      }
    });

    it('applies the encoding to dry runs and to resubmissions', async () => {
      const file = iconv.encode(csvText(DEBTORS, ';'), 'windows-1252');
      const dry = await upload('cp1252-dry', file, { encoding: 'windows-1252', dryRun: 'true' });
      expectOk(dry);
      expect(dry.body).toMatchObject({ dryRun: true, destinations: 3, rejected: 0 });
      expect(await stored('cp1252-dry')).toBeNull();

      expectOk(await upload('cp1252-again', file, { encoding: 'windows-1252' }));
      const again = await upload('cp1252-again', file, { encoding: 'windows-1252' });
      expectOk(again);
      expect(again.body.importReport).toMatchObject({ rowsAccepted: 3 });
      // The same bytes read in another encoding are another upload.
      expect((await upload('cp1252-again', file, { encoding: 'iso-8859-1' })).status).toBe(409);
      expect(await stored('cp1252-again')).toHaveLength(3);
    });
  });

  describe('quotes inside unquoted fields', () => {
    const QUOTED = [
      { phone: '+6588893322', name: 'Smith "Jr"', amount: '=HYPERLINK("x")' },
      { phone: '+6591234567', name: `Tall 5'6" Tan`, amount: '1' },
      { phone: '+6581234567', name: 'Plain', amount: '"quoted, with comma"' },
    ];
    const file = Buffer.from(['phone,name,amount', '+6588893322,Smith "Jr",=HYPERLINK("x")', `+6591234567,Tall 5'6" Tan,1`, '+6581234567,Plain,"""quoted, with comma"""', ''].join('\r\n'));

    it('keeps them as characters, as spreadsheets do', async () => {
      const response = await upload('quotes', file);
      expectOk(response);
      expect(await stored('quotes')).toEqual(QUOTED);
    });

    it('exports a formula uploaded unquoted neutralized', async () => {
      await t.waitForStatus(apiKey, 'quotes');
      const exported = await t.http
        .get('/status/quotes/export.csv')
        .set(KEY, apiKey)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => done(null, text));
        });
      expectOk(exported);
      const rows: Raw[] = parse(exported.body as string, { bom: true, columns: true });
      expect(rows.map((r) => [r.phone, r.name, r.amount])).toEqual([
        ['+6588893322', 'Smith "Jr"', `'=HYPERLINK("x")`],
        ['+6591234567', `Tall 5'6" Tan`, '1'],
        ['+6581234567', 'Plain', '"quoted, with comma"'],
      ]);
    });

    it('still refuses a quoted field that is never closed, with the line where it opens', async () => {
      const unterminated = Buffer.from('phone,name,amount\r\n+6588893322,Smith "Jr",1\r\n+6591234567,"Tan,2\r\n+6581234567,Bob,3\r\n');
      await expectRefused('unterminated', unterminated, {}, /line 3: a quote opened in the record starting on this line is never closed/, 3);
    });

    it('refuses text after a closing quote, with its line', async () => {
      const after = Buffer.from('phone,name,amount\r\n+6588893322,"Tan" Beng,1\r\n');
      await expectRefused('after-quote', after, {}, /line 2: a quoted field in the record starting on this line has more characters after its closing quote/, 2);
    });
  });

  describe('the dashboard form', () => {
    let browser: Browser;
    let page: Page;
    let base: string;

    beforeAll(async () => {
      ensureDashboardClientBuilt();
      base = await listen(t.app);
      browser = await launchChromium();
      page = await browser.newPage();
      await page.goto(`${base}/dashboard`);
      await page.locator('#key-input').fill(apiKey);
      await page.locator('#key-submit').click();
      await page.locator('#dashboard').waitFor({ state: 'visible' });
      await page.locator('#upload-toggle').click();
      await page.locator('#upload-form').waitFor({ state: 'visible' });
      await page.locator('#upload-flow').fill(FLOW);
      await page.locator('#upload-caller').fill(CALLER);
    }, 60_000);
    afterAll(() => browser?.close());

    async function submit(requestId: string, file: Buffer, encoding: string): Promise<void> {
      await page.locator('#upload-file').setInputFiles({ name: 'debtors.csv', mimeType: 'text/csv', buffer: file });
      await page.locator('#upload-request-id').fill(requestId);
      await page.locator('#upload-encoding').selectOption(encoding);
      await page.locator('#upload-submit').click();
    }

    it('offers auto and the four encodings, and sends the one chosen', async () => {
      const options = await page.locator('#upload-encoding option').evaluateAll((elements) => elements.map((e) => [(e as unknown as { value: string }).value, e.textContent]));
      expect(options).toEqual([
        ['', 'Auto / UTF-8'],
        ['windows-1252', 'Windows-1252'],
        ['iso-8859-1', 'ISO-8859-1'],
        ['utf-16le', 'UTF-16 LE'],
        ['utf-16be', 'UTF-16 BE'],
      ]);
      await submit('dashboard-cp1252', iconv.encode(csvText(DEBTORS, ';'), 'windows-1252'), 'windows-1252');
      await eventually(async () => expect(await page.locator('#upload-result .ok-text').textContent()).toBe('Campaign “dashboard-cp1252” queued.'));
      expect(await stored('dashboard-cp1252')).toEqual(DEBTORS);
    });

    it('sends no encoding on auto: a UTF-16 file is read by its byte-order mark, a Windows-1252 one is refused with its line', async () => {
      await submit('dashboard-auto', iconv.encode(csvText(DEBTORS, '\t'), 'utf-16le', { addBOM: true }), '');
      await eventually(async () => expect(await page.locator('#upload-result .ok-text').textContent()).toBe('Campaign “dashboard-auto” queued.'));
      expect(await stored('dashboard-auto')).toEqual(DEBTORS);

      await submit('dashboard-auto-refused', iconv.encode(csvText(DEBTORS, ';'), 'windows-1252'), '');
      await eventually(async () => expect(await page.locator('#upload-result [role="alert"]').textContent()).toMatch(/line 2: the file is not UTF-8 text/));
      expect(await page.locator('#upload-result tr[data-line="2"]').count()).toBe(1);
      expect(await stored('dashboard-auto-refused')).toBeNull();
    });
  });
});
