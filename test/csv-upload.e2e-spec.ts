import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SEED_EXAMPLE } from './support/seed-example';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const EXAMPLE_CSV = readFileSync(join(__dirname, '../examples/debtors.csv'));
const SEED_FLOW = JSON.stringify(SEED_EXAMPLE.callFlow);
const SIMPLE_FLOW = JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Hello {{name}}, you owe {{amount}}' } }] });

type Raw = Record<string, any>;

/** A distinct valid Singapore mobile number per index (9 followed by the index in 7 digits), written with spaces. */
const sgMobile = (i: number) => {
  const digits = String(i).padStart(7, '0');
  return `+65 9${digits.slice(0, 3)} ${digits.slice(3)}`;
};

interface UploadForm {
  requestId: string;
  file?: string | Buffer;
  filename?: string;
  callFlow?: string;
  fields?: Record<string, string>;
}

/** A 200, or a failure that shows what the service answered instead. */
function expectOk(response: { status: number; body: unknown }): void {
  expect({ status: response.status, body: response.status === 200 ? 'ok' : response.body }).toEqual({ status: 200, body: 'ok' });
}

describe('CSV upload of debtors (POST /call/csv)', () => {
  let t: TestApp;
  let apiKey: string;
  let db: DataSource;

  beforeAll(async () => {
    // Calls end at once, so campaigns complete and their rendered messages can be read back.
    t = await startTestApp({ simulatorScript: { default: { ringMs: 10 } }, config: { csvUpload: { maxFileBytes: 4 * 1024 * 1024, maxRows: 60_000 } } });
    apiKey = (await t.createOrganization(20)).apiKey;
    db = t.app.get(DataSource);
  }, 30_000);
  afterAll(() => t.close());

  function upload(form: UploadForm, key = apiKey) {
    let req = t.http.post('/call/csv').set(KEY, key).field('requestId', form.requestId);
    if (form.callFlow !== undefined) req = req.field('callFlow', form.callFlow);
    for (const [name, value] of Object.entries(form.fields ?? {})) req = req.field(name, value);
    if (form.file !== undefined) req = req.attach('file', Buffer.from(form.file), form.filename ?? 'debtors.csv');
    return req;
  }

  async function storedCalls(requestId: string): Promise<number> {
    const [row] = await db.query(
      `SELECT count(c.id)::int AS n, count(r.id)::int AS requests FROM call_requests r LEFT JOIN calls c ON c.call_request_id = r.id WHERE r.request_id = $1`,
      [requestId],
    );
    return row.requests === 0 ? -1 : row.n;
  }

  /** Asserts a refused upload: 400, errors naming the file, and no trace of the request in the database. */
  async function expectRefused(form: UploadForm, messagePattern: RegExp, line?: number): Promise<Raw> {
    const response = await upload({ callFlow: SIMPLE_FLOW, ...form });
    expect(response.status).toBe(400);
    expect(response.body.status).toBe('bad_request');
    expect(response.body.message).toMatch(messagePattern);
    if (line !== undefined) expect(response.body.errors.map((e: Raw) => e.line)).toContain(line);
    expect(await storedCalls(form.requestId)).toBe(-1);
    return response.body;
  }

  describe('the seed example as a CSV', () => {
    const variants: [string, string, boolean, string][] = [
      ['comma, CRLF, no BOM', ',', false, '\r\n'],
      ['semicolon, LF, BOM', ';', true, '\n'],
      ['tab, CRLF, BOM', '\t', true, '\r\n'],
      ['comma, LF, BOM', ',', true, '\n'],
    ];
    it.each(variants)('is accepted and dialed with the rendered messages (%s)', async (label, delimiter, bom, eol) => {
      const quote = (value: string) => (value.includes(delimiter) || value.includes(',') ? `"${value}"` : value);
      const lines = [['phone', 'caller', 'name', 'amount', 'Due Date']];
      for (const destination of SEED_EXAMPLE.destinations) {
        const p = destination.properties;
        lines.push([destination.phone, destination.caller, p.name, p.amount, p.dueDate]);
      }
      const text = (bom ? '\ufeff' : '') + lines.map((cells) => cells.map(quote).join(delimiter)).join(eol) + eol;
      const requestId = `seed-${label}`;
      const response = await upload({ requestId, file: text, callFlow: SEED_FLOW, fields: { enableCallRecording: 'true' } });
      expectOk(response);
      expect(response.body).toMatchObject({ requestId, status: 'submitted', source: 'csv', summary: { total: 2 } });
      expect(response.body.importReport).toEqual({ rowsRead: 2, rowsAccepted: 2, rowsRejected: 0, errors: [] });

      const done = await t.waitForStatus(apiKey, requestId);
      expect(done.details.map((d: Raw) => d.destination)).toEqual(SEED_EXAMPLE.destinations.map((d: Raw) => d.phone));
      const gather = done.details[0].callFlowSteps.find((s: Raw) => s.stepName === 'gather');
      // `Due Date` is available to the flow as {{dueDate}}.
      expect(gather.info.message).toBe('Dear Mr Alex, the amount of 200,000$ will be due on August 20th, 2020');
    });

    it('examples/debtors.csv is accepted as the README shows', async () => {
      const response = await upload({ requestId: 'example-file', file: EXAMPLE_CSV, callFlow: SEED_FLOW });
      expectOk(response);
      expect(response.body.importReport.rowsAccepted).toBe(EXAMPLE_CSV.toString().trim().split('\n').length - 1);
    });
  });

  describe('phone numbers', () => {
    it('normalizes national formats with defaultRegion, and refuses them without it', async () => {
      const file = 'Phone Number,name,amount\n8889 3322,Ann,1$\n(+65) 9123-4567,Bob,2$\n6591 2345,Cy,3$\n';
      const refused = await upload({ requestId: 'national-no-region', file, callFlow: SIMPLE_FLOW, fields: { caller: '+6582674904' } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'file', line: 2, column: 'Phone Number', value: '8889 3322' })]),
      );

      const response = await upload({ requestId: 'national-sg', file, callFlow: SIMPLE_FLOW, fields: { caller: '+6582674904', defaultRegion: 'SG' } });
      expectOk(response);
      const status = await t.http.get('/status/national-sg').set(KEY, apiKey);
      expect(status.body.details.map((d: Raw) => d.destination)).toEqual(['+6588893322', '+6591234567', '+6565912345']);
      expect(status.body.details.every((d: Raw) => d.caller === '+6582674904')).toBe(true);
    });

    it('refuses a duplicate number as a row error after its first row', async () => {
      const file = 'phone,name,amount\n+6588893322,Ann,1$\n+65 8889 3322,Bob,2$\n';
      const body = await expectRefused({ requestId: 'dup', file, fields: { caller: '+6582674904' } }, /1 of 2 rows are invalid/, 3);
      expect(body.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/duplicate of line 2/) });
    });
  });

  describe('row errors', () => {
    const mixed = [
      'phone,name,amount',
      '+6588893322,Ann,1$', // 2 ok
      'not-a-phone,Bob,2$', // 3 invalid phone
      '+6591234567,,3$', // 4 name missing: the flow uses {{name}}
      '+6591234568,Dee,4$', // 5 ok
      '+6588893322,Eve,5$', // 6 duplicate of line 2
      '+6591234569,Fay', // 7 one field short
      '+6591234570,Gus,7$', // 8 ok
    ].join('\n');

    it('refuses the whole upload by default, listing every bad row', async () => {
      const body = await expectRefused({ requestId: 'mixed-strict', file: mixed, fields: { caller: '+6582674904' } }, /4 of 7 rows are invalid/);
      expect(body.errors.map((e: Raw) => e.line)).toEqual([3, 4, 6, 7]);
      expect(body.errors[1]).toMatchObject({ column: 'name', message: expect.stringContaining('{{name}}') });
      expect(body.errorCount).toBe(4);
      expect(body.importReport).toMatchObject({ rowsRead: 7, rowsAccepted: 0, rowsRejected: 4 });
    });

    it('imports the valid rows with skipInvalidRows=true and reports the others', async () => {
      const response = await upload({ requestId: 'mixed-skip', file: mixed, callFlow: SIMPLE_FLOW, fields: { caller: '+6582674904', skipInvalidRows: 'true' } });
      expectOk(response);
      expect(response.body.importReport).toMatchObject({ rowsRead: 7, rowsAccepted: 3, rowsRejected: 4 });
      expect(response.body.importReport.errors.map((e: Raw) => e.line)).toEqual([3, 4, 6, 7]);
      expect(response.body.summary.total).toBe(3);
      expect(response.body.details.map((d: Raw) => d.destination)).toEqual(['+6588893322', '+6591234568', '+6591234570']);
    });

    it('refuses an upload in which no row can be called, even when skipping invalid rows', async () => {
      await expectRefused({ requestId: 'all-bad', file: 'phone,name,amount\nxx,A,1\n', fields: { caller: '+6582674904', skipInvalidRows: 'true' } }, /None of the 1 rows/);
    });

    it('lists the first 100 row errors and counts them all', async () => {
      const rows = Array.from({ length: 150 }, (_, i) => `bad${i},N,1`);
      const body = await expectRefused({ requestId: 'many-bad', file: `phone,name,amount\n${rows.join('\n')}\n`, fields: { caller: '+6582674904' } }, /150 of 150 rows/);
      expect(body.errors).toHaveLength(100);
      expect(body.errorCount).toBe(150);
    });
  });

  describe('bad files and fields', () => {
    const caller = { caller: '+6582674904' };
    it.each([
      ['an empty file', '', /empty/i, undefined],
      ['a header only', 'phone,name,amount\n', /no rows/i, 1],
      ['no phone column', 'tel,name,amount\n+6588893322,A,1\n', /phone/i, 1],
      ['an unterminated quote', 'phone,name,amount\n+6588893322,"Ann,1\n+6591234567,Bob,2\n', /quote/i, undefined],
    ])('refuses %s', async (_label, file, pattern, line) => {
      await expectRefused({ requestId: `bad-${_label}`, file, fields: caller }, pattern as RegExp, line as number | undefined);
    });

    it('refuses a binary file', async () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(200, 0)]);
      await expectRefused({ requestId: 'binary', file: png, filename: 'logo.png', fields: caller }, /UTF-8|text/i);
    });

    it('refuses a file over the size limit', async () => {
      const row = '+6588893322,Someone with a long name,1$\n';
      const big = 'phone,name,amount\n' + row.repeat(Math.ceil((4 * 1024 * 1024) / row.length) + 10);
      const body = await expectRefused({ requestId: 'too-big', file: big, fields: caller }, /larger than the limit/);
      expect(body.errors[0].field).toBe('file');
    });

    it('refuses more rows than the row limit', async () => {
      const rows = Array.from({ length: 60_001 }, (_, i) => `${sgMobile(i)},N,1`);
      await expectRefused({ requestId: 'too-many-rows', file: `phone,name,amount\n${rows.join('\n')}\n`, fields: caller }, /more than 60000 rows/i, 60_002);
    });

    it('names each invalid form field', async () => {
      const response = await upload({ requestId: '', file: EXAMPLE_CSV, callFlow: '{"steps": [', fields: { defaultRegion: 'XX', skipInvalidRow: 'true' } });
      expect(response.status).toBe(400);
      const fields = response.body.errors.map((e: Raw) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['requestId', 'callFlow', 'defaultRegion', 'skipInvalidRow']));
      expect(await storedCalls('')).toBe(-1);
    });

    it('validates the call flow exactly like POST /call', async () => {
      const flow = JSON.stringify({ steps: [{ name: 'gather', message: { msg: 'Press' }, branches: [{ digit: '12' }] }] });
      const response = await upload({ requestId: 'bad-flow', file: EXAMPLE_CSV, callFlow: flow });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('callFlow.steps[0].branches[0].digit');
      expect(await storedCalls('bad-flow')).toBe(-1);
    });

    it('requires the file part, multipart/form-data and an API key', async () => {
      const noFile = await upload({ requestId: 'no-file', callFlow: SIMPLE_FLOW });
      expect(noFile.status).toBe(400);
      expect(noFile.body.errors[0]).toMatchObject({ field: 'file', message: expect.stringContaining('required') });

      const json = await t.http.post('/call/csv').set(KEY, apiKey).send({ requestId: 'json' });
      expect(json.status).toBe(415);

      const anonymous = await upload({ requestId: 'anonymous', file: EXAMPLE_CSV, callFlow: SEED_FLOW }, 'rk_wrong');
      expect(anonymous.status).toBe(401);
      expect(await storedCalls('anonymous')).toBe(-1);
    });
  });

  describe('idempotency', () => {
    it('answers the same upload again with its report, and refuses a different one under the same requestId', async () => {
      const first = await upload({ requestId: 'again', file: EXAMPLE_CSV, callFlow: SEED_FLOW });
      expectOk(first);
      const second = await upload({ requestId: 'again', file: EXAMPLE_CSV, callFlow: SEED_FLOW });
      expectOk(second);
      expect(second.body.importReport).toEqual(first.body.importReport);
      expect(await storedCalls('again')).toBe(2);

      const changed = Buffer.concat([EXAMPLE_CSV, Buffer.from('+6591234567,+6582674904,Zed,1$,today\r\n')]);
      const conflict = await upload({ requestId: 'again', file: changed, callFlow: SEED_FLOW });
      expect(conflict.status).toBe(409);
      expect(await storedCalls('again')).toBe(2);
    });
  });

  it('round-trips through the export: what was uploaded comes back per destination', async () => {
    const file = 'phone,name,amount,Note\n+6588893322,"Tan, Ann",1$,"says ""hi""\nthen hangs up"\n+6591234567,Bob,2$,=1+1\n';
    const response = await upload({ requestId: 'round-trip', file, callFlow: SIMPLE_FLOW, fields: { caller: '+6582674904' } });
    expectOk(response);
    await t.waitForStatus(apiKey, 'round-trip');
    const exported = await t.http.get('/status/round-trip/export.csv').set(KEY, apiKey).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => done(null, text));
    });
    expectOk(exported);
    const rows: Raw[] = parse(exported.body as string, { bom: true, columns: true });
    expect(rows.map((r) => [r.phone, r.caller, r.name, r.amount, r.Note, r.status])).toEqual([
      ['+6588893322', '+6582674904', 'Tan, Ann', '1$', 'says "hi"\nthen hangs up', 'completed'],
      ['+6591234567', '+6582674904', 'Bob', '2$', "'=1+1", 'completed'],
    ]);
  });

  it('takes a 50,000-row upload in file order', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `${sgMobile(i)},"Debtor, No. ${i}",${i}.50`);
    const file = `phone,name,amount\n${rows.join('\n')}\n`;
    // One slot: the dispatcher works through this campaign slowly while the other tests run.
    const slowOrganization = await t.createOrganization(1);
    const response = await upload({ requestId: 'fifty-thousand', file, callFlow: SIMPLE_FLOW, fields: { caller: '+6582674904' } }, slowOrganization.apiKey);
    expectOk(response);
    expect(response.body.importReport).toMatchObject({ rowsRead: 50_000, rowsAccepted: 50_000, rowsRejected: 0 });
    const [stored] = await db.query(
      `SELECT count(*)::int AS n, bool_and(c.properties->>'name' = 'Debtor, No. ' || c.destination_index) AS in_order
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE r.request_id = 'fifty-thousand'`,
    );
    expect(stored).toEqual({ n: 50_000, in_order: true });
  });
});
