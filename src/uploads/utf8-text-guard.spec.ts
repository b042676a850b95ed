import { CsvFileError } from './csv-file-error';
import { firstInvalidUtf8Offset, looksLikeUtf16, Utf8TextGuard } from './utf8-text-guard';

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
    expect(error.line).toBe(2);
    expect(error.message).toBe('the file is not a text CSV file (it has a NUL byte at byte 10)');
  });

  it('says when the NUL bytes are those of UTF-16 text without a byte-order mark', () => {
    expect(errorOf(Buffer.from('phone,name\r\n', 'utf16le')).message).toBe(
      'the file is not a text CSV file (it has a NUL byte at byte 1; it looks like UTF-16LE text without a byte-order mark: send encoding=utf-16le)',
    );
    const bigEndian = Buffer.from('phone,name\r\n', 'utf16le').swap16();
    expect(errorOf(bigEndian).message).toContain('at byte 0; it looks like UTF-16BE text without a byte-order mark: send encoding=utf-16be');
    // A binary file is not taken for UTF-16.
    expect(errorOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])).message).toBe(
      'the file is not a text CSV file (it has a NUL byte at byte 8)',
    );
  });

  it('refuses bytes that are not UTF-8, such as Windows-1252 text, naming the byte and its line', () => {
    const error = errorOf(Buffer.from('phone,name\n+6588893322,Zo'), Buffer.from([0xeb, 0x0a]));
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      'the file is not UTF-8 text (the byte 0xEB at byte 25 is not UTF-8); save it as "CSV UTF-8", or send the encoding it was saved in (encoding=windows-1252 for a "CSV" saved by Excel on Windows)',
    );
  });

  it('counts CRLF, LF and lone CR line ends, also split between chunks, to name the line', () => {
    const text = Buffer.from('phone\r\n1\n2\r3\r\n\r\n4,Zo\xeb\n', 'latin1');
    const bad = text.length - 2;
    for (let cut = 0; cut <= bad; cut++) {
      const error = errorOf(text.subarray(0, cut), text.subarray(cut));
      expect([error.line, error.message]).toEqual([6, expect.stringContaining(`at byte ${bad} `)]);
    }
    expect(errorOf(...[...text].map((byte) => Buffer.from([byte]))).line).toBe(6);
  });

  it('refuses a bad continuation byte after a sequence split between chunks', () => {
    // "é" is C3 A9; C3 followed by "x" is not UTF-8.
    const error = errorOf(Buffer.from('a\nb'), Buffer.from([0x61, 0xc3]), Buffer.from('x'));
    expect(error.message).toContain('the byte 0xC3 at byte 4 ');
    expect(error.line).toBe(2);
  });

  it('refuses a file that ends in the middle of a character', () => {
    const error = errorOf(Buffer.from([0x0a, 0x61, 0xe4, 0xbd]));
    expect(error.message).toContain('ends in the middle of a UTF-8 character, at byte 2');
    expect(error.line).toBe(2);
  });
});

describe('looksLikeUtf16', () => {
  it.each([
    ['UTF-16LE text', Buffer.from('phone;name', 'utf16le'), 'utf-16le'],
    ['UTF-16BE text', Buffer.from('phone;name', 'utf16le').swap16(), 'utf-16be'],
    ['UTF-8 text', Buffer.from('phone;name'), null],
    ['too short to tell', Buffer.from([0x70, 0]), null],
    ['binary', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), null],
  ])('%s', (_label, bytes, expected) => {
    expect(looksLikeUtf16(bytes)).toBe(expected);
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
