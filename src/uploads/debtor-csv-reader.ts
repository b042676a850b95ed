/**
 * Streaming reader for uploaded debtor CSV files (POST /call/csv).
 *
 * The rules, in short (each has tests in debtor-csv-reader.spec.ts):
 * - UTF-8 with or without BOM, or the declared encoding (Windows-1252, ISO-8859-1, UTF-16LE/BE), or UTF-16 by its
 *   BOM; a NUL character or what is not text in the encoding, anywhere, is a file error with its line
 *   (csv-text-decoder.ts; UTF-8 is checked by utf8-text-guard.ts without being decoded).
 * - Delimiter `,` `;` or tab, the one occurring most on the header line outside quotes (delimiter-sniffer.ts).
 * - RFC 4180 quoting (delimiters, doubled quotes and line breaks inside quotes); CRLF, LF or CR line ends.
 *   A quote opens a quoted field only at the start of a field; inside an unquoted field it is a character, as
 *   spreadsheets write it (`=HYPERLINK("x")`, `5'6" tall`, csv-parse's relax_quotes). A quote never closed, or
 *   text after a closing quote (`"Tan" Beng`), is a file error.
 *   Whitespace around unquoted values and around quotes is dropped; inside quotes it is kept.
 * - Empty and blank lines, and rows whose cells are all empty (`,,,`), are skipped and not counted as rows.
 * - The header names a phone column and optionally a caller column; every other column gives destination
 *   properties under its name and its camelCase form (header-columns.ts). An empty cell gives no property.
 * - Phones and callers are normalized to E.164 (phone-normalizer.ts); a phone already accepted on an earlier
 *   line is a duplicate.
 * - `line` is the physical 1-based line a record starts on (the header is line 1 unless blank lines precede it).
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { CsvError, Parser } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import { CsvFileError } from './csv-file-error';
import { type CsvEncoding, decodeCsvText } from './csv-text-decoder';
import { type Delimiter, SNIFF_LIMIT_BYTES, sniffDelimiter } from './delimiter-sniffer';
import { analyzeHeader, type HeaderLayout } from './header-columns';
import { PhoneLineIndex } from './phone-line-index';
import { createPhoneNormalizer, E164_REGEX, type PhoneResult } from '../phones/phone-normalizer';

export { CsvFileError } from './csv-file-error';
export { propertyNamesForHeader } from './header-columns';

export interface DebtorCsvOptions {
  /** ISO country for numbers in national format, e.g. 'SG'. */
  defaultRegion?: CountryCode;
  /** Already-validated E.164 caller for rows without a caller column/value. */
  defaultCaller?: string;
  /** Data rows (header excluded); exceeding it is a CsvFileError. */
  maxRows: number;
  /** The file's encoding; undefined: UTF-16 when it starts with a UTF-16 byte-order mark, else UTF-8. */
  encoding?: CsvEncoding;
}

export interface RowError {
  line: number;
  column: string | null;
  value: string | null;
  message: string;
}

export interface DebtorRow {
  line: number;
  phone: string;
  caller: string;
  properties: Record<string, string>;
}

export type DebtorCsvItem = { row: DebtorRow } | { error: RowError };

/**
 * Longest record accepted, in characters. Debtor rows are far shorter; the limit stops a quote that is never
 * closed from pulling the rest of a large file into one field in memory.
 */
export const MAX_RECORD_CHARS = 128 * 1024;
/** Distinct caller cells whose normalization is remembered per file (callers repeat; phones do not). */
const CALLER_CACHE_LIMIT = 10_000;

/** Records as csv-parse produced them, each with the 1-based physical line it starts on. */
interface RecordBatch {
  records: string[][];
  lines: number[];
}

/**
 * csv-parse that hands out records in batches (one per input chunk, which saves an async-iteration step per row)
 * together with the physical line each record starts on.
 *
 * csv-parse's `info.lines` (read here when a record is pushed, which is when it ends) counts every CR and every
 * LF inside a quoted value as a line, so a CRLF inside quotes counts twice and all later numbers drift. Its
 * `info: true` option would snapshot the info object per record, which took 2.2 s of 3.6 s for a million rows.
 * So the line a record starts on is worked out here: the line after the previous record's end, plus the empty
 * lines skipped since (`info.empty_lines`), minus the drift so far; a record that spans several lines adds the
 * CRLF pairs in its values to the drift.
 */
class LineTrackingParser extends Parser {
  private records: string[][] = [];
  private lines: number[] = [];
  /** csv-parse's line number where the last pushed record ended, and its empty-line count then. */
  private lastEnd = 0;
  private lastEmpty = 0;
  private drift = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      this.flushBatch();
      return super.push(null, encoding);
    }
    const record = chunk as string[];
    const end = this.info.lines;
    const empty = this.info.empty_lines;
    const start = this.lastEnd + 1 + (empty - this.lastEmpty);
    this.records.push(record);
    this.lines.push(start - this.drift);
    if (end !== start) this.drift += countCrLf(record);
    this.lastEnd = end;
    this.lastEmpty = empty;
    return true;
  }

  /** The physical line where the record being parsed now (not pushed yet) starts. */
  currentRecordLine(): number {
    return this.lastEnd + 1 + (this.info.empty_lines - this.lastEmpty) - this.drift;
  }

  /** A line number as csv-parse counts it, made physical (exact up to the last pushed record). */
  physicalLine(parserLine: number): number {
    return Math.max(1, parserLine - this.drift);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    super._transform(chunk, encoding, (error?: Error | null) => {
      this.flushBatch();
      callback(error);
    });
  }

  override _flush(callback: (error?: Error | null) => void): void {
    super._flush((error?: Error | null) => {
      this.flushBatch();
      callback(error);
    });
  }

  private flushBatch(): void {
    if (this.records.length === 0) return;
    const batch: RecordBatch = { records: this.records, lines: this.lines };
    this.records = [];
    this.lines = [];
    super.push(batch);
  }
}

function countCrLf(record: readonly string[]): number {
  let count = 0;
  for (const value of record) {
    for (let i = value.indexOf('\r\n'); i !== -1; i = value.indexOf('\r\n', i + 2)) count++;
  }
  return count;
}

const isBlank = (fields: readonly string[]): boolean => fields.every((field) => field === '');

/**
 * Turns a csv-parse error into a {@link CsvFileError} with the physical line; anything else is returned as is.
 * Messages do not repeat the line: callers show it from `line` (as they do for header errors).
 */
function toFileError(error: unknown, parser: LineTrackingParser): unknown {
  if (!(error instanceof CsvError)) return error;
  const reported = typeof error.lines === 'number' ? parser.physicalLine(error.lines) : null;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED': {
      const line = parser.currentRecordLine();
      return new CsvFileError('a quote opened in the record starting on this line is never closed', line);
    }
    case 'CSV_MAX_RECORD_SIZE': {
      const line = parser.currentRecordLine();
      return new CsvFileError(`the record starting on this line is longer than ${MAX_RECORD_CHARS} characters (is a quote left open?)`, line);
    }
    // A quote inside an unquoted field is a character (relax_quotes); one that opens a field must close it.
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      const line = parser.currentRecordLine();
      return new CsvFileError(
        'a quoted field in the record starting on this line has more characters after its closing quote; enclose the whole field in quotes and double each quote inside it',
        line,
      );
    }
    default:
      return new CsvFileError(`the file could not be read as CSV: ${error.message}`, reported);
  }
}

/** Reads chunks of UTF-8 text until the header line is complete, and picks the delimiter from it. */
async function readHead(source: AsyncIterator<Buffer>): Promise<{ head: Buffer[]; ended: boolean; delimiter: Delimiter }> {
  const head: Buffer[] = [];
  let length = 0;
  for (;;) {
    const next = await source.next();
    if (next.done) return { head, ended: true, delimiter: sniffDelimiter(Buffer.concat(head), true) };
    const chunk = next.value;
    if (chunk.length === 0) continue;
    head.push(chunk);
    length += chunk.length;
    const limitReached = length >= SNIFF_LIMIT_BYTES;
    // Only a chunk with a line break can complete the header line.
    if (limitReached || chunk.includes(0x0a) || chunk.includes(0x0d)) {
      const delimiter = sniffDelimiter(head.length === 1 ? chunk : Buffer.concat(head), limitReached);
      if (delimiter !== null) return { head, ended: false, delimiter };
    }
  }
}

/**
 * Reads a debtor CSV file (see the rules at the top of this module) and yields each data row as either an
 * accepted row or a row error, in file order. Throws {@link CsvFileError} for a problem with the file as a whole,
 * possibly after rows were yielded (too many rows, a quote never closed, a bad byte late in the file, ...), so a
 * caller that stores rows as they come must be ready to roll back. Errors of the input stream itself pass through
 * unchanged; a bad option is a RangeError.
 *
 * It streams: the input is read as the rows are consumed, and memory stays bounded apart from the duplicate
 * index (about 25 MB per million accepted rows). The input is destroyed when the generator finishes, fails or is
 * abandoned.
 */
export async function* readDebtorRows(input: Readable, options: DebtorCsvOptions): AsyncGenerator<DebtorCsvItem> {
  const { maxRows, defaultCaller, defaultRegion, encoding } = options;
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new RangeError(`maxRows must be a positive integer, got ${maxRows}`);
  if (defaultCaller !== undefined && !E164_REGEX.test(defaultCaller)) {
    throw new RangeError(`defaultCaller must be an E.164 number, got ${JSON.stringify(defaultCaller)}`);
  }
  const normalizePhone = createPhoneNormalizer(defaultRegion);
  const callerCache = new Map<string, PhoneResult>();
  const normalizeCaller = (raw: string): PhoneResult => {
    let result = callerCache.get(raw);
    if (result === undefined) {
      result = normalizePhone(raw);
      if (callerCache.size < CALLER_CACHE_LIMIT) callerCache.set(raw, result);
    }
    return result;
  };

  // The file's text as checked UTF-8 chunks: UTF-8 passes through as it is, other encodings are decoded.
  const source = decodeCsvText(input, encoding)[Symbol.asyncIterator]();
  let parser: LineTrackingParser | undefined;
  try {
    // 1. Read until the header line is complete, to choose the delimiter.
    const { head, ended, delimiter } = await readHead(source);

    // 2. Parse: the chunks read so far, then the rest of the input.
    parser = new LineTrackingParser({
      delimiter,
      bom: true,
      encoding: 'utf8',
      // Whitespace around unquoted values and around quotes is dropped; inside quotes it is kept.
      trim: true,
      // A quote inside an unquoted field is a character, as spreadsheets write it.
      relax_quotes: true,
      skip_empty_lines: true,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: MAX_RECORD_CHARS,
    });
    const feed = async function* (): AsyncGenerator<Buffer> {
      yield* head;
      head.length = 0;
      if (ended) return;
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        yield next.value;
      }
    };
    // Errors (the decoder's, csv-parse's, the input's) reach the loop below through the parser.
    pipeline(feed, parser, () => undefined);

    const seen = new PhoneLineIndex(4096);
    const readRow = (fields: readonly string[], line: number, layout: HeaderLayout): DebtorCsvItem => {
      if (fields.length !== layout.fieldCount) {
        const message = `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${layout.fieldCount}`;
        return { error: { line, column: null, value: null, message } };
      }
      const rawPhone = fields[layout.phoneIndex];
      const phone = normalizePhone(rawPhone);
      if (!phone.ok) return { error: { line, column: layout.phoneHeader, value: rawPhone, message: phone.message } };

      let caller: string;
      const rawCaller = layout.callerIndex === -1 ? null : fields[layout.callerIndex];
      if (rawCaller !== null && rawCaller.trim() !== '') {
        const normalized = normalizeCaller(rawCaller);
        if (!normalized.ok) return { error: { line, column: layout.callerHeader, value: rawCaller, message: normalized.message } };
        caller = normalized.e164;
      } else if (defaultCaller !== undefined) {
        caller = defaultCaller;
      } else {
        const message = 'is empty and no default caller was given';
        return { error: { line, column: layout.callerHeader ?? 'caller', value: rawCaller, message } };
      }

      // Only accepted rows are recorded, so "duplicate of line N" always points at a row that is kept.
      const firstLine = seen.addIfAbsent(phone.e164, line);
      if (firstLine !== 0) return { error: { line, column: layout.phoneHeader, value: rawPhone, message: `duplicate of line ${firstLine}` } };

      const properties: Record<string, string> = {};
      for (const column of layout.properties) {
        const value = fields[column.index];
        if (value === '') continue; // an empty cell is an absent property
        for (const key of column.keys) properties[key] = value;
      }
      return { row: { line, phone: phone.e164, caller, properties } };
    };

    let header: HeaderLayout | null = null;
    let rowCount = 0;
    for await (const batch of parser as AsyncIterable<RecordBatch>) {
      const { records, lines } = batch;
      for (let i = 0; i < records.length; i++) {
        const fields = records[i];
        const line = lines[i];
        if (header === null) {
          header = analyzeHeader(fields, line);
          continue;
        }
        if (isBlank(fields)) continue;
        if (++rowCount > maxRows) throw new CsvFileError(`the file has more than ${maxRows} rows`, line);
        yield readRow(fields, line, header);
      }
    }
    if (header === null) throw new CsvFileError('the file is empty', null);
    if (rowCount === 0) throw new CsvFileError('the file has a header but no rows', header.line);
  } catch (error) {
    throw parser === undefined ? error : toFileError(error, parser);
  } finally {
    parser?.destroy();
    if (!input.destroyed) input.destroy();
  }
}
