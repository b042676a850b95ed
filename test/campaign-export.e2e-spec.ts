import { Logger } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { createServer, get, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CampaignExportService } from '../src/campaigns/export/campaign-export.service';
import { SEED_EXAMPLE } from './support/seed-example';
import { startTestApp, TestApp } from './support/test-app';

const FIXED = [
  'destinationIndex',
  'phone',
  'caller',
  'status',
  'call_state',
  'call_status',
  'attempts',
  'dialedAt',
  'answeredAt',
  'endedAt',
  'failureReason',
  'digitsPressed',
  'transferStatus',
  'messageSeconds',
  'messageFile',
  'messageTranscription',
];

/** The body as bytes, whatever its type (supertest would decode text/csv and JSON its own way). */
const rawBody = (res: NodeJS.EventEmitter, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

/** Parses strictly: CRLF is the only record delimiter, every row has the header's width. */
function parseCsv(bytes: Buffer): { header: string[]; rows: Record<string, string>[] } {
  const records: string[][] = parse(bytes.subarray(3).toString('utf8'), { record_delimiter: '\r\n' });
  const [header, ...rest] = records;
  return { header, rows: rest.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]]))) };
}

describe('GET /status/{requestId}/export.csv', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp({
      simulatorScript: {
        default: { ringMs: 300 },
        numbers: {
          '+84917660247': { digits: ['', '1'] }, // the first gather gets "1" on its re-prompt; the nested one no input
          '+84912860330': { digits: ['7', '0'], transfer: 'no_answer' }, // "0" after a refused "7", then an unanswered transfer
          '+6511000001': { answer: 'busy' },
          '+6511000003': { answer: 'failed' },
        },
      },
    });
    ({ apiKey } = await t.createOrganization(10));
  });
  afterAll(() => t.close());

  const exportCsv = (key: string | undefined, requestId: string) => {
    const req = t.http.get(`/status/${encodeURIComponent(requestId)}/export.csv`);
    if (key !== undefined) req.set('x-credential-api-key', key);
    return req.buffer(true).parse(rawBody);
  };

  const seedProperties = { name: 'Alex', dueDate: 'August 20th, 2020', amount: '200,000$' };
  const requestId = 'export "seed" ü/1';
  const destinations = [
    {
      phone: '+84917660247',
      caller: '+6582674904',
      properties: {
        ...seedProperties,
        formula: '=HYPERLINK("x")',
        at: '@SUM(1)',
        note: 'a, "quoted"\r\nsecond line',
        phone: 'home',
        altPhone: '+6511111111',
        balance: -12.5,
        tags: 'vip, late',
        '=cmd': 'x',
      },
    },
    { phone: '+84912860330', caller: '+6582674904', properties: { ...seedProperties, note: 'plain' } },
    { phone: '+6511000001', caller: '+6582674904', properties: { ...seedProperties, extra: '' } },
    { phone: '+6511000003', caller: '+6582674904', properties: seedProperties },
  ];
  let csv: Buffer;
  let status: any;

  beforeAll(async () => {
    await t.http
      .post('/call')
      .set('x-credential-api-key', apiKey)
      .send({ ...SEED_EXAMPLE, requestId, destinations })
      .expect(200);
    status = await t.waitForStatus(apiKey, requestId);
    const res = await exportCsv(apiKey, requestId);
    expect(res.status).toBe(200);
    csv = res.body;
  });

  it('is a UTF-8 CSV attachment with a byte order mark and CRLF line ends', async () => {
    const res = await exportCsv(apiKey, requestId);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="export__seed____1-results.csv"');
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.subarray(3).toString('utf8');
    expect(text.startsWith('destinationIndex,phone,caller,')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    // No bare CR or LF anywhere (the note's line break inside its quoted field was sent as CRLF too).
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('has the fixed columns, then every property name sorted, prefixed when it repeats a fixed column', () => {
    const { header } = parseCsv(csv);
    expect(header).toEqual([
      ...FIXED,
      "'=cmd", // a property name is user text: its header is neutralized like any cell
      'altPhone',
      'amount',
      'at',
      'balance',
      'dueDate',
      'extra',
      'formula',
      'name',
      'note',
      'property:phone',
      'tags',
    ]);
  });

  it('gives each destination, in order, the same result as GET /status', () => {
    const { rows } = parseCsv(csv);
    expect(rows).toHaveLength(4);
    const orEmpty = (value: unknown) => (value === null || value === undefined ? '' : String(value));
    rows.forEach((row, i) => {
      const detail = status.details[i];
      const gathers = detail.callFlowSteps.filter((s: any) => s.stepName === 'gather');
      const transfers = detail.callFlowSteps.filter((s: any) => s.stepName === 'transfer');
      expect(row).toMatchObject({
        destinationIndex: String(i),
        phone: detail.destination,
        caller: detail.caller,
        status: detail.status,
        call_state: detail.call_state,
        call_status: detail.call_status,
        attempts: String(detail.attempts),
        dialedAt: orEmpty(detail.dialedAt),
        answeredAt: orEmpty(detail.answeredAt),
        endedAt: orEmpty(detail.endedAt),
        failureReason: orEmpty(detail.failureReason),
        digitsPressed: gathers.map((s: any) => s.info.userPressedDigits).join('|'),
        transferStatus: orEmpty(transfers.at(-1)?.info.transfer_status),
      });
    });
    // And what that is, spelled out.
    expect(rows.map((r) => [r.phone, r.call_status, r.digitsPressed, r.transferStatus])).toEqual([
      ['+84917660247', 'answered', '1|', ''],
      ['+84912860330', 'answered', '0', 'no_answer'],
      ['+6511000001', 'busy', '', ''],
      ['+6511000003', 'failed', '', ''],
    ]);
    expect(rows[0].answeredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rows[2].answeredAt).toBe('');
    expect(rows[3].failureReason).not.toBe('');
  });

  it("prefixes formula-like property values with ' and round-trips commas, quotes and newlines", () => {
    const { rows } = parseCsv(csv);
    expect(rows[0]).toMatchObject({
      formula: `'=HYPERLINK("x")`,
      at: "'@SUM(1)",
      note: 'a, "quoted"\r\nsecond line',
      'property:phone': 'home',
      altPhone: "'+6511111111", // a phone-like property is free text: not exempt
      balance: "'-12.5",
      tags: 'vip, late',
      name: 'Alex',
      amount: '200,000$',
      "'=cmd": 'x',
    });
    expect(rows[1]).toMatchObject({ note: 'plain', formula: '', 'property:phone': '', tags: '' });
    expect(rows[2].extra).toBe('');
  });

  it('answers 404 like GET /status for another organization and for an unknown id, and 401 without a key', async () => {
    const other = await t.createOrganization(1, 'Other');
    const statusOther = await t.http.get(`/status/${encodeURIComponent(requestId)}`).set('x-credential-api-key', other.apiKey);
    const exportOther = await exportCsv(other.apiKey, requestId);
    expect(exportOther.status).toBe(404);
    expect(exportOther.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(exportOther.body.toString())).toEqual(statusOther.body);
    expect(statusOther.body).toEqual({ status: 'not_found', message: `No call request "${requestId}"` });

    const unknown = await exportCsv(apiKey, 'no-such-request');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toEqual({ status: 'not_found', message: 'No call request "no-such-request"' });

    const anonymous = await exportCsv(undefined, requestId);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body.toString())).toMatchObject({ status: 'unauthorized' });
    const wrongKey = await exportCsv('not-a-key', requestId);
    expect(wrongKey.status).toBe(401);
  });

  it('is described in the OpenAPI document as a CSV download', async () => {
    const docs = await t.http.get('/docs-json').expect(200);
    const operation = docs.body.paths['/status/{requestId}/export.csv'].get;
    expect(operation.operationId).toBe('exportCallStatus');
    expect(operation.tags).toEqual(['calls']);
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/csv']);
  });

  describe('a campaign larger than two pages', () => {
    const total = 2500;
    const bigId = 'export-2500';
    let bigKey: string;

    beforeAll(async () => {
      ({ apiKey: bigKey } = await t.createOrganization(1, 'Big'));
      // Every slot taken by "other apps": nothing is dialed, the export reads queued calls.
      await t.http.put('/organization/usage').set('x-credential-api-key', bigKey).send({ externalOngoingCalls: 1 }).expect(200);
      await t.http
        .post('/call')
        .set('x-credential-api-key', bigKey)
        .send({
          requestId: bigId,
          destinations: Array.from({ length: total }, (_, i) => ({
            phone: `+652${String(i).padStart(7, '0')}`,
            caller: '+6582674904',
            properties: { n: i },
          })),
          callFlow: { steps: [{ name: 'play', message: { msg: 'hello' } }] },
        })
        .expect(200);
    });

    it('gives every destination, in destination order', async () => {
      const res = await exportCsv(bigKey, bigId);
      expect(res.status).toBe(200);
      const { header, rows } = parseCsv(res.body);
      expect(header).toEqual([...FIXED, 'n']);
      expect(rows).toHaveLength(total);
      rows.forEach((row, i) => {
        expect([row.destinationIndex, row.phone, row.n, row.status, row.dialedAt]).toEqual([
          String(i),
          `+652${String(i).padStart(7, '0')}`,
          String(i),
          'queued',
          '',
        ]);
      });
    });

    /** A server of our own around the same app, so that the connection is ours to watch and to cut. */
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer(t.app.getHttpAdapter().getInstance());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      ({ port } = server.address() as AddressInfo);
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    /** GETs the export; `cutAfterFirstChunk` disconnects as soon as the first bytes arrive. */
    const download = (cutAfterFirstChunk: boolean) =>
      new Promise<{ text: string; complete: boolean }>((resolve, reject) => {
        const options = { port, host: '127.0.0.1', path: `/status/${bigId}/export.csv`, headers: { 'x-credential-api-key': bigKey }, agent: false };
        const req = get(options, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (cutAfterFirstChunk) req.destroy();
          });
          res.on('error', () => undefined); // "aborted": what `complete` below reports
          res.on('close', () => resolve({ text, complete: res.complete }));
        });
        req.on('error', (error) => (cutAfterFirstChunk ? undefined : reject(error)));
      });

    it('stops reading the campaign when the client disconnects', async () => {
      const service = t.app.get(CampaignExportService);
      const readPage = service.readPage.bind(service);
      const slowPages = jest.spyOn(service, 'readPage').mockImplementation(async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return readPage(...args);
      });
      const exports = jest.spyOn(service, 'write');
      try {
        const { text } = await download(true);
        expect(text).toContain('destinationIndex,phone');
        // The export ends (rather than waiting forever for a 'drain' that cannot come) ...
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          exports.mock.results[0].value,
          new Promise((resolve) => (timer = setTimeout(() => resolve('still running after 3 s'), 3000))),
        ]);
        clearTimeout(timer);
        expect(outcome).toBe('aborted');
        // ... and the page being read when the client left was the last one read (of three).
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(slowPages).toHaveBeenCalledTimes(1);
      } finally {
        slowPages.mockRestore();
        exports.mockRestore();
      }
    });

    it('cuts the download when the database fails part way, so that it never looks complete', async () => {
      const service = t.app.get(CampaignExportService);
      const readPage = service.readPage.bind(service);
      const failing = jest
        .spyOn(service, 'readPage')
        .mockImplementationOnce(readPage)
        .mockRejectedValueOnce(new Error('simulated database failure'));
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        const { text, complete } = await download(false);
        expect(complete).toBe(false);
        expect(text.split('\r\n').length).toBeGreaterThan(1000); // the header and the first page got out
        expect(failing).toHaveBeenCalledTimes(2);
        expect(logged).toHaveBeenCalledWith(expect.stringContaining('simulated database failure'));
        // Without a failure the same download completes.
        failing.mockRestore();
        const whole = await download(false);
        expect(whole.complete).toBe(true);
        expect(whole.text.split('\r\n')).toHaveLength(1 + total + 1);
      } finally {
        failing.mockRestore();
        logged.mockRestore();
      }
    });
  });
});
