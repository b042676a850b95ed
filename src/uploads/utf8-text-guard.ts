import { isUtf8 } from 'node:buffer';
import { CsvFileError } from './csv-file-error';

const NOT_TEXT = 'the file is not a UTF-8 text CSV file';

/** Bytes a UTF-8 sequence needs, judged from its first byte; 0 for a byte no sequence can start with. */
const sequenceLength = (lead: number): number => {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
};

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
 * Checks, chunk by chunk, that a stream is UTF-8 text: no NUL byte (a text CSV never has one, while UTF-16 text
 * and binary files such as spreadsheets always do) and no byte sequence that is not UTF-8 (a file saved in a
 * legacy code page, e.g. Windows-1252). The whole stream is checked, not just its start, so a stray byte late in
 * the file cannot turn into U+FFFD in a stored value; it costs a few milliseconds for 40 MB. A UTF-8 sequence
 * split between two chunks is carried over to the next one.
 */
export class Utf8TextGuard {
  private offset = 0;
  private carry: Buffer | null = null;

  /** Throws {@link CsvFileError} when the chunk shows the file is not UTF-8 text. */
  check(chunk: Buffer): void {
    const start = this.offset;
    this.offset += chunk.length;
    if (start === 0) this.checkSignature(chunk);
    const nul = chunk.indexOf(0);
    if (nul !== -1) throw new CsvFileError(`${NOT_TEXT} (it has a NUL byte at byte ${start + nul})`, null);

    let body = chunk;
    let bodyStart = start;
    if (this.carry !== null) {
      // Complete the sequence the previous chunk ended in the middle of.
      const missing = sequenceLength(this.carry[0]) - this.carry.length;
      const joined = Buffer.concat([this.carry, chunk.subarray(0, missing)]);
      if (joined.length < this.carry.length + missing) {
        this.carry = joined; // still incomplete: a tiny chunk
        return;
      }
      this.assertUtf8(joined, start - this.carry.length);
      this.carry = null;
      body = chunk.subarray(missing);
      bodyStart = start + missing;
    }
    const tail = incompleteTailStart(body);
    if (tail < body.length) {
      this.carry = Buffer.from(body.subarray(tail));
      body = body.subarray(0, tail);
    }
    this.assertUtf8(body, bodyStart);
  }

  /** Call once the stream has ended: a sequence cut off by the end of the file is an error too. */
  end(): void {
    if (this.carry !== null) {
      throw new CsvFileError(`${NOT_TEXT} (it ends in the middle of a UTF-8 character, at byte ${this.offset - this.carry.length})`, null);
    }
  }

  private assertUtf8(bytes: Buffer, at: number): void {
    if (isUtf8(bytes)) return;
    const bad = firstInvalidUtf8Offset(bytes);
    throw new CsvFileError(`${NOT_TEXT} (it has a byte that is not UTF-8 at byte ${at + Math.max(bad, 0)}; save it as "CSV UTF-8")`, null);
  }

  private checkSignature(first: Buffer): void {
    if ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff)) {
      throw new CsvFileError(`${NOT_TEXT} (it is UTF-16 text; save it as "CSV UTF-8")`, null);
    }
    if (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) {
      throw new CsvFileError(`${NOT_TEXT} (it looks like a ZIP archive or an Excel workbook; save it as "CSV UTF-8")`, null);
    }
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
