import { Writable } from 'node:stream';
import { DataSource, Repository } from 'typeorm';
import { CallRequest } from '../call-request.entity';
import {
  CampaignExportService,
  EXPORT_PAGE_SIZE,
  ExportRow,
  exportFileName,
  FIXED_COLUMNS,
  PreparedExport,
  propertyHeaders,
  toCsvLine,
} from './campaign-export.service';

const row = (i: number, overrides: Partial<ExportRow> = {}): ExportRow => ({
  id: '00000000-0000-4000-8000-000000000007',
  destination_index: i,
  phone: '+6588893322',
  caller: '+6582674904',
  status: 'completed',
  call_state: 'ended',
  call_status: 'answered',
  attempts: 1,
  dialed_at: new Date('2025-01-02T03:04:05.678Z'),
  answered_at: null,
  ended_at: null,
  failure_reason: null,
  digits_pressed: '1|',
  transfer_status: null,
  message_seq: null,
  message_seconds: null,
  message_transcription: null,
  property_values: [],
  ...overrides,
});

/** A service whose database holds `total` calls, each page answered after `delayMs`. */
function serviceWith(total: number, delayMs = 0) {
  const service = new CampaignExportService({} as DataSource, {} as Repository<CallRequest>);
  const readPage = jest.spyOn(service, 'readPage').mockImplementation(async (_id, after, _keys, limit = EXPORT_PAGE_SIZE) => {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const rows: ExportRow[] = [];
    for (let i = after + 1; i < Math.min(total, after + 1 + limit); i++) rows.push(row(i));
    return rows;
  });
  return { service, readPage };
}

const prepared: PreparedExport = { request: { id: 'r' } as CallRequest, propertyKeys: [], header: [...FIXED_COLUMNS] };

/** A client that takes one chunk at a time, only when told to. */
class SlowClient extends Writable {
  chunks: string[] = [];
  private pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 16, decodeStrings: false });
  }
  _write(chunk: string, _encoding: string, callback: () => void) {
    this.chunks.push(chunk);
    this.pending.push(callback);
  }
  takeOne() {
    this.pending.shift()?.();
  }
}

describe('campaign export', () => {
  it('names property columns after their properties, prefixing those that repeat a column', () => {
    expect(propertyHeaders(['amount', 'phone', 'property:phone', 'status', 'Phone'])).toEqual([
      'amount',
      'property:phone',
      'property:property:phone',
      'property:status',
      'Phone',
    ]);
  });

  it('sanitizes the file name', () => {
    expect(exportFileName('request_10')).toBe('request_10-results.csv');
    expect(exportFileName('a "b"/c\r\nd ü')).toBe('a__b__c__d__-results.csv');
  });

  it('writes one row with ISO timestamps, phones as they are and formulas neutralized', () => {
    const line = toCsvLine(row(7, { failure_reason: '-lost, twice', property_values: ['=1+1', null, '{"a":1}'] }), 'request_10');
    expect(line).toBe(`7,+6588893322,+6582674904,completed,ended,answered,1,2025-01-02T03:04:05.678Z,,,"'-lost, twice",1|,,,,,'=1+1,,"{""a"":1}"\r\n`);
  });

  it("writes a left message's length, where its audio is served, and its transcription (formulas neutralized)", () => {
    const line = toCsvLine(row(3, { message_seq: 2, message_seconds: 7.5, message_transcription: '=pay "Friday"' }), 'req 1');
    expect(line).toBe(
      `3,+6588893322,+6582674904,completed,ended,answered,1,2025-01-02T03:04:05.678Z,,,,1|,,7.5,/status/req%201/calls/00000000-0000-4000-8000-000000000007/steps/2/recording.wav,"'=pay ""Friday"""\r\n`,
    );
  });

  it('reads every page in order and ends the response', async () => {
    const { service, readPage } = serviceWith(2 * EXPORT_PAGE_SIZE + 1);
    const chunks: string[] = [];
    const out = new Writable({ write: (chunk, _e, cb) => (chunks.push(String(chunk)), cb()) });
    expect(await service.write(prepared, out)).toBe('complete');
    expect(out.writableEnded).toBe(true);
    expect(readPage.mock.calls.map((call) => call[1])).toEqual([-1, EXPORT_PAGE_SIZE - 1, 2 * EXPORT_PAGE_SIZE - 1]);
    const text = chunks.join('');
    expect(text.startsWith('\uFEFFdestinationIndex,phone,')).toBe(true);
    expect(text.split('\r\n')).toHaveLength(1 + 2 * EXPORT_PAGE_SIZE + 1 + 1);
  });

  it('reads the next page only once the client has taken the previous one', async () => {
    const { service, readPage } = serviceWith(3 * EXPORT_PAGE_SIZE);
    const client = new SlowClient();
    const done = service.write(prepared, client);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The header is waiting on the client: nothing has been read yet.
    expect(readPage).toHaveBeenCalledTimes(0);
    client.takeOne();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readPage).toHaveBeenCalledTimes(1);
    client.takeOne();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readPage).toHaveBeenCalledTimes(2);
    client.destroy();
    expect(await done).toBe('aborted');
    expect(readPage).toHaveBeenCalledTimes(2);
  });

  it('stops reading when the client goes away while a page is being read', async () => {
    const { service, readPage } = serviceWith(5 * EXPORT_PAGE_SIZE, 100);
    const chunks: string[] = [];
    const out = new Writable({ write: (chunk, _e, cb) => (chunks.push(String(chunk)), cb()) });
    const done = service.write(prepared, out);
    await new Promise((resolve) => setTimeout(resolve, 150)); // inside the second page's read (100-200 ms)
    out.destroy();
    expect(await done).toBe('aborted');
    expect(readPage).toHaveBeenCalledTimes(2);
    expect(chunks).toHaveLength(2); // the header and the first page only
  });

  it('does not report a complete file when the client left during the last (empty) read', async () => {
    const { service, readPage } = serviceWith(EXPORT_PAGE_SIZE, 100);
    const out = new Writable({ write: (_chunk, _e, cb) => cb() });
    const done = service.write(prepared, out);
    await new Promise((resolve) => setTimeout(resolve, 150));
    out.destroy();
    expect(await done).toBe('aborted');
    expect(readPage).toHaveBeenCalledTimes(2);
    expect(out.writableEnded).toBe(false);
  });
});
