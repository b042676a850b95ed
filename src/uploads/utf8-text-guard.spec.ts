import { CsvFileError } from './csv-file-error';
import { firstInvalidUtf8Offset, Utf8TextGuard } from './utf8-text-guard';

const checkAll = (...chunks: Buffer[]): void => {
  const guard = new Utf8TextGuard();
  for (const chunk of chunks) guard.check(chunk);
  guard.end();
};

const errorOf = (...chunks: Buffer[]): CsvFileError => {
  try {
    checkAll(...chunks);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvFileError);
    return error as CsvFileError;
  }
  throw new Error('the guard accepted the input');
};

describe('Utf8TextGuard', () => {
  const text = Buffer.from('phone,name\n+6588893322,Zoë 你好 🙂\n', 'utf8');

  it('accepts UTF-8 text, however it is cut into chunks', () => {
    for (let cut = 0; cut <= text.length; cut++) {
      expect(() => checkAll(text.subarray(0, cut), text.subarray(cut))).not.toThrow();
    }
    // one byte at a time
    expect(() => checkAll(...[...text].map((byte) => Buffer.from([byte])))).not.toThrow();
  });

  it('refuses a NUL byte, saying where', () => {
    const error = errorOf(Buffer.from('phone\n+65'), Buffer.from([0x38, 0x00, 0x38]));
    expect(error.line).toBeNull();
    expect(error.message).toBe('the file is not a UTF-8 text CSV file (it has a NUL byte at byte 10)');
  });

  it('refuses bytes that are not UTF-8, such as Windows-1252 text', () => {
    const error = errorOf(Buffer.from('phone,name\n+6588893322,Zo'), Buffer.from([0xeb, 0x0a]));
    expect(error.line).toBeNull();
    expect(error.message).toBe('the file is not a UTF-8 text CSV file (it has a byte that is not UTF-8 at byte 25; save it as "CSV UTF-8")');
  });

  it('refuses a bad continuation byte after a sequence split between chunks', () => {
    // "é" is C3 A9; C3 followed by "x" is not UTF-8.
    expect(errorOf(Buffer.from([0x61, 0xc3]), Buffer.from('x')).message).toContain('at byte 1');
  });

  it('refuses a file that ends in the middle of a character', () => {
    expect(errorOf(Buffer.from([0x61, 0xe4, 0xbd])).message).toContain('ends in the middle of a UTF-8 character, at byte 1');
  });

  it('names UTF-16 text and ZIP (xlsx) files', () => {
    expect(errorOf(Buffer.from('\ufeffphone', 'utf16le')).message).toContain('UTF-16');
    expect(errorOf(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])).message).toContain('Excel workbook');
  });
});

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['valid text', Buffer.from('aé你🙂'), -1],
    ['a lone continuation byte', Buffer.from([0x61, 0x80]), 1],
    ['an overlong two-byte form', Buffer.from([0xc0, 0xaf]), 0],
    ['an overlong three-byte form', Buffer.from([0xe0, 0x80, 0xaf]), 0],
    ['a surrogate', Buffer.from([0xed, 0xa0, 0x80]), 0],
    ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['a truncated sequence', Buffer.from([0x61, 0x62, 0xe4, 0xbd]), 2],
  ])('%s', (_label, bytes, expected) => {
    expect(firstInvalidUtf8Offset(bytes)).toBe(expected);
  });
});
