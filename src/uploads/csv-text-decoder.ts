import * as iconv from 'iconv-lite';
import { CsvFileError } from './csv-file-error';
import { LineCounter } from './line-counter';
import { Utf8TextGuard } from './utf8-text-guard';

/** The text encodings a CSV upload may declare (the `encoding` form field). */
export const CSV_ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

const LABELS: Record<CsvEncoding, string> = {
  'utf-8': 'UTF-8',
  'windows-1252': 'Windows-1252',
  'iso-8859-1': 'ISO-8859-1',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
};

const BYTE_ORDER_MARKS: readonly { encoding: CsvEncoding; bytes: readonly number[] }[] = [
  { encoding: 'utf-8', bytes: [0xef, 0xbb, 0xbf] },
  { encoding: 'utf-16le', bytes: [0xff, 0xfe] },
  { encoding: 'utf-16be', bytes: [0xfe, 0xff] },
];
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];
/** Bytes needed to recognize a byte-order mark or a ZIP (xlsx) file. */
const SIGNATURE_BYTES = 4;
const EMPTY = Buffer.alloc(0);

const startsWith = (head: Uint8Array, bytes: readonly number[]): boolean => bytes.every((byte, i) => head[i] === byte);
const hex = (value: number, digits = 2): string => `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

/** The byte-order mark a file starts with, if any. */
export function byteOrderMark(head: Uint8Array): { encoding: CsvEncoding; length: number } | null {
  const mark = BYTE_ORDER_MARKS.find((candidate) => startsWith(head, candidate.bytes));
  return mark ? { encoding: mark.encoding, length: mark.bytes.length } : null;
}

interface ChunkDecoder {
  write(chunk: Buffer): Buffer;
  end(): Buffer;
}

/**
 * Turns the bytes of an uploaded CSV into UTF-8 bytes, chunk by chunk, refusing with a {@link CsvFileError} that
 * names the line (and the byte) what is not text in the file's encoding:
 * - The encoding is the declared one, else the one a UTF-16 byte-order mark names, else UTF-8. A byte-order mark
 *   that contradicts the declared encoding is refused rather than silently preferred to it.
 * - UTF-8 is not decoded at all: the bytes pass through unchanged, checked by {@link Utf8TextGuard} (its BOM is
 *   left for the parser to skip). The other encodings go through iconv-lite's streaming decoder, and the text is
 *   checked before it is passed on as UTF-8.
 * - A NUL character is refused in every encoding (binary files; PostgreSQL cannot store it), and so is a ZIP
 *   archive (an Excel workbook).
 * - Windows-1252: the 5 bytes the code page leaves undefined (0x81 0x8D 0x8F 0x90 0x9D), which iconv-lite turns
 *   into U+FFFD, are refused: no text saved in Windows-1252 holds them, while UTF-8 text declared as Windows-1252
 *   often does (they are continuation bytes).
 * - ISO-8859-1: bytes 0x80-0x9F are C1 control characters there, never text; they are refused with a hint that
 *   the file is probably Windows-1252 (where 0x80 is €, 0x92 is ’), which is what Windows saves.
 * - UTF-16: an odd number of bytes, or a surrogate without its pair, is refused.
 * Memory stays constant: at most one chunk and a few carried bytes are held.
 */
export class CsvTextDecoder {
  private head: Buffer[] = [];
  private headLength = 0;
  private decoder: ChunkDecoder | null = null;
  /** The encoding in use, once the start of the file has been seen. */
  encoding: CsvEncoding | null = null;

  constructor(private readonly declared?: CsvEncoding) {}

  /** The UTF-8 text of `chunk` (possibly empty: bytes may be held until the next chunk completes them). */
  write(chunk: Buffer): Buffer {
    if (this.decoder !== null) return this.decoder.write(chunk);
    if (chunk.length === 0) return EMPTY;
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < SIGNATURE_BYTES) return EMPTY;
    return this.open();
  }

  /** The rest of the text, once the input has ended; refuses a file that ends in the middle of a character. */
  end(): Buffer {
    const start = this.decoder === null ? this.open() : EMPTY;
    const rest = this.decoder!.end();
    return start.length === 0 ? rest : rest.length === 0 ? start : Buffer.concat([start, rest]);
  }

  private open(): Buffer {
    const head = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head);
    this.head = [];
    if (startsWith(head, ZIP_SIGNATURE)) {
      throw new CsvFileError('the file is not a text CSV file (it looks like a ZIP archive or an Excel workbook; save it as CSV)', null);
    }
    const mark = byteOrderMark(head);
    if (this.declared !== undefined && mark !== null && mark.encoding !== this.declared) {
      throw new CsvFileError(
        `the file starts with a ${LABELS[mark.encoding]} byte-order mark, but the encoding field says ${this.declared}: ` +
          `send encoding=${mark.encoding}, or leave the field out`,
        1,
      );
    }
    const encoding = this.declared ?? mark?.encoding ?? 'utf-8';
    this.encoding = encoding;
    this.decoder = encoding === 'utf-8' ? new CheckedUtf8() : new IconvText(encoding, mark?.length ?? 0);
    return this.decoder.write(head);
  }
}

/** UTF-8: the bytes as they are, checked. */
class CheckedUtf8 implements ChunkDecoder {
  private readonly guard = new Utf8TextGuard();

  write(chunk: Buffer): Buffer {
    this.guard.check(chunk);
    return chunk;
  }

  end(): Buffer {
    this.guard.end();
    return EMPTY;
  }
}

const C1_CONTROL = /[\u0080-\u009f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Windows-1252, ISO-8859-1 and UTF-16 through iconv-lite's streaming decoder, checked, as UTF-8. */
class IconvText implements ChunkDecoder {
  private readonly decoder: iconv.DecoderStream;
  private readonly utf16: boolean;
  private readonly lines = new LineCounter();
  /** Byte-order mark bytes still to skip. */
  private skip: number;
  /** Where the decoded text starts in the file (after the byte-order mark). */
  private readonly base: number;
  private bytes = 0;
  /** Code units checked and passed on. */
  private units = 0;
  /** A high surrogate that ended the last chunk's text: its pair may start the next one. */
  private held = '';

  constructor(
    private readonly encoding: Exclude<CsvEncoding, 'utf-8'>,
    byteOrderMarkLength: number,
  ) {
    this.decoder = iconv.getDecoder(encoding, { stripBOM: false });
    this.utf16 = encoding === 'utf-16le' || encoding === 'utf-16be';
    this.skip = byteOrderMarkLength;
    this.base = byteOrderMarkLength;
  }

  write(chunk: Buffer): Buffer {
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, chunk.length);
      chunk = chunk.subarray(skipped);
      this.skip -= skipped;
    }
    if (chunk.length === 0) return EMPTY;
    this.bytes += chunk.length;
    let text = this.held + this.decoder.write(chunk);
    this.held = '';
    if (this.utf16 && text.length > 0) {
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.held = text.slice(-1);
        text = text.slice(0, -1);
      }
    }
    return this.pass(text, this.utf16 ? undefined : chunk);
  }

  end(): Buffer {
    const text = this.held + (this.decoder.end() ?? '');
    this.held = '';
    const rest = this.pass(text);
    if (this.utf16 && this.bytes % 2 === 1) {
      throw new CsvFileError(
        `the file is not ${LABELS[this.encoding]} text (it ends in the middle of a character: its ${this.base + this.bytes} bytes are an odd number)`,
        this.lines.currentLine,
      );
    }
    return rest;
  }

  /** `source`: the bytes `text` was decoded from, one per character (single-byte encodings). */
  private pass(text: string, source?: Buffer): Buffer {
    if (text.length === 0) return EMPTY;
    const bad = this.firstInvalid(text);
    if (bad !== -1) throw this.invalid(text, bad, source?.[bad]);
    const utf8 = Buffer.from(text, 'utf8');
    this.lines.add(utf8);
    this.units += text.length;
    return utf8;
  }

  private firstInvalid(text: string): number {
    const found = [text.indexOf('\0')];
    if (this.encoding === 'windows-1252') found.push(text.indexOf('\ufffd'));
    else if (this.encoding === 'iso-8859-1') found.push(text.search(C1_CONTROL));
    else found.push(text.search(LONE_SURROGATE));
    const at = found.filter((index) => index !== -1);
    return at.length === 0 ? -1 : Math.min(...at);
  }

  private invalid(text: string, index: number, byte: number | undefined): CsvFileError {
    const at = this.base + (this.units + index) * (this.utf16 ? 2 : 1);
    const before = Buffer.from(text.slice(0, index), 'utf8');
    const line = this.lines.lineAt(before, before.length);
    const code = text.charCodeAt(index);
    if (code === 0) return new CsvFileError(`the file is not a text CSV file (it has a NUL character at byte ${at})`, line);
    switch (this.encoding) {
      case 'windows-1252':
        return new CsvFileError(
          `the file is not Windows-1252 text (the byte ${byte === undefined ? '' : `${hex(byte)} `}at byte ${at} is undefined in Windows-1252, ` +
            'as are 0x81 0x8D 0x8F 0x90 0x9D; is the file UTF-8? then leave the encoding field out)',
          line,
        );
      case 'iso-8859-1': {
        const windows = iconv.decode(Buffer.from([code]), 'windows-1252');
        const where = windows === '\ufffd' ? '' : `, where ${hex(code)} is "${windows}"`;
        return new CsvFileError(
          `the file is not ISO-8859-1 text (the byte ${hex(code)} at byte ${at} is a control character there, not text; ` +
            `a file saved on Windows is windows-1252${where}: send encoding=windows-1252)`,
          line,
        );
      }
      default:
        return new CsvFileError(`the file is not ${LABELS[this.encoding]} text (it has a surrogate without its pair, ${hex(code, 4)}, at byte ${at})`, line);
    }
  }
}

const toBuffer = (chunk: unknown): Buffer => {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`the CSV input stream produced a ${typeof chunk}, not bytes or text`);
};

/**
 * The UTF-8 text of a CSV byte stream in `encoding` (undefined: a UTF-16 byte-order mark, else UTF-8), chunk by
 * chunk, checked as {@link CsvTextDecoder} says. A stream of strings is read as their UTF-8 bytes.
 */
export async function* decodeCsvText(input: AsyncIterable<unknown>, encoding?: CsvEncoding): AsyncGenerator<Buffer> {
  const decoder = new CsvTextDecoder(encoding);
  for await (const chunk of input) {
    const text = decoder.write(toBuffer(chunk));
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}
