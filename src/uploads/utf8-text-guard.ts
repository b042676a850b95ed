import { isUtf8 } from 'node:buffer';
import { CsvFileError } from './csv-file-error';
import { LineCounter } from './line-counter';

const NOT_UTF8 = 'the file is not UTF-8 text';
const SAVE_AS =
  'save it as "CSV UTF-8", or send the encoding it was saved in (encoding=windows-1252 for a "CSV" saved by Excel on Windows)';

/** Bytes a UTF-8 sequence needs, judged from its first byte; 0 for a byte no sequence can start with. */
const sequenceLength = (lead: number): number => {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
};

const hex = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence (overlong forms, surrogates and code
 * points above U+10FFFF included), or -1. Only used to say where a chunk that `isUtf8` refused goes wrong.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    const length = sequenceLength(lead);
    if (length === 0 || i + length > bytes.length) return i;
    if (length > 1) {
      // The second byte's range is narrower after E0 (overlong), ED (surrogates), F0 (overlong) and F4 (> U+10FFFF).
      const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
      const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
      if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
      for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * 'utf-16le' or 'utf-16be' when the start of a file looks like UTF-16 text without a byte-order mark (ASCII
 * characters with a zero byte after or before each), else null. Only used to word the error about a NUL byte.
 */
export function looksLikeUtf16(start: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const length = Math.min(start.length, 64) & ~1;
  if (length < 4) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < length; i += 2) {
    if (start[i] === 0) evenZero++;
    if (start[i + 1] === 0) oddZero++;
  }
  const pairs = length / 2;
  if (oddZero === pairs && evenZero === 0) return 'utf-16le';
  if (evenZero === pairs && oddZero === 0) return 'utf-16be';
  return null;
}

/**
 * Checks, chunk by chunk, that a stream is UTF-8 text: no NUL byte (a text CSV never has one, while UTF-16 text
 * and binary files such as spreadsheets always do) and no byte sequence that is not UTF-8 (a file saved in a
 * legacy code page, e.g. Windows-1252). The whole stream is checked, not just its start, so a stray byte late in
 * the file cannot turn into U+FFFD in a stored value; it costs a few milliseconds for 40 MB, and counting lines
 * (so that an error names its line) about 20 ms more. A UTF-8 sequence split between two chunks is carried over
 * to the next one.
 */
export class Utf8TextGuard {
  private offset = 0;
  private carry: Buffer | null = null;
  private readonly lines = new LineCounter();

  /** Throws {@link CsvFileError} (with the line) when the chunk shows the file is not UTF-8 text. */
  check(chunk: Buffer): void {
    const start = this.offset;
    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      const utf16 = start === 0 ? looksLikeUtf16(chunk) : null;
      const hint = utf16 ? `; it looks like ${utf16.toUpperCase()} text without a byte-order mark: send encoding=${utf16}` : '';
      throw new CsvFileError(`the file is not a text CSV file (it has a NUL byte at byte ${start + nul}${hint})`, this.lines.lineAt(chunk, nul));
    }

    let body = chunk;
    let bodyStart = start;
    if (this.carry !== null) {
      // Complete the sequence the previous chunk ended in the middle of (no line end can be part of it).
      const missing = sequenceLength(this.carry[0]) - this.carry.length;
      const joined = Buffer.concat([this.carry, chunk.subarray(0, missing)]);
      if (joined.length < this.carry.length + missing) {
        this.carry = joined; // still incomplete: a tiny chunk
        this.offset += chunk.length;
        return;
      }
      if (!isUtf8(joined)) throw this.invalid(joined[0], start - this.carry.length, this.lines.currentLine);
      this.carry = null;
      body = chunk.subarray(missing);
      bodyStart = start + missing;
    }
    const tail = incompleteTailStart(body);
    const complete = tail < body.length ? body.subarray(0, tail) : body;
    if (!isUtf8(complete)) {
      const bad = Math.max(firstInvalidUtf8Offset(complete), 0);
      throw this.invalid(complete[bad], bodyStart + bad, this.lines.lineAt(chunk, bodyStart - start + bad));
    }
    if (tail < body.length) this.carry = Buffer.from(body.subarray(tail));
    this.lines.add(chunk);
    this.offset += chunk.length;
  }

  /** Call once the stream has ended: a sequence cut off by the end of the file is an error too. */
  end(): void {
    if (this.carry !== null) {
      const at = this.offset - this.carry.length;
      throw new CsvFileError(`${NOT_UTF8} (it ends in the middle of a UTF-8 character, at byte ${at}); ${SAVE_AS}`, this.lines.currentLine);
    }
  }

  private invalid(byte: number, at: number, line: number): CsvFileError {
    return new CsvFileError(`${NOT_UTF8} (the byte ${hex(byte)} at byte ${at} is not UTF-8); ${SAVE_AS}`, line);
  }
}

/**
 * Where an incomplete UTF-8 sequence at the end of `bytes` starts, or `bytes.length` when the last sequence is
 * complete (or is not valid UTF-8 at all, which the caller's check then reports).
 */
function incompleteTailStart(bytes: Buffer): number {
  const stop = Math.max(0, bytes.length - 4);
  for (let i = bytes.length - 1; i >= stop; i--) {
    if ((bytes[i] & 0xc0) !== 0x80) {
      const length = sequenceLength(bytes[i]);
      return length > 1 && i + length > bytes.length ? i : bytes.length;
    }
  }
  return bytes.length;
}
