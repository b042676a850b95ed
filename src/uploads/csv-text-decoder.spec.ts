import * as iconv from 'iconv-lite';
import { CsvFileError } from './csv-file-error';
import { byteOrderMark, CSV_ENCODINGS, type CsvEncoding, CsvTextDecoder } from './csv-text-decoder';

/** Decodes `chunks` and returns the UTF-8 text and the encoding used. */
const decode = (declared: CsvEncoding | undefined, ...chunks: Buffer[]): { text: string; encoding: CsvEncoding | null } => {
  const decoder = new CsvTextDecoder(declared);
  const out = [...chunks.map((chunk) => decoder.write(chunk)), decoder.end()];
  return { text: Buffer.concat(out).toString('utf8'), encoding: decoder.encoding };
};

const errorOf = (declared: CsvEncoding | undefined, ...chunks: Buffer[]): CsvFileError => {
  try {
    decode(declared, ...chunks);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvFileError);
    return error as CsvFileError;
  }
  throw new Error('the decoder accepted the input');
};

/** Every way of cutting `bytes` in two, and byte by byte. */
const cuts = (bytes: Buffer): Buffer[][] => [
  ...Array.from({ length: bytes.length + 1 }, (_, cut) => [bytes.subarray(0, cut), bytes.subarray(cut)]),
  [...bytes].map((byte) => Buffer.from([byte])),
];

describe('CsvTextDecoder', () => {
  const text = 'phone;name\r\n+6588893322;Zoë Müller\r\n+6591234567;José\n';

  it.each([
    ['windows-1252', `${text}O’Brien € 5 „quoted“ Œuvre\r\n`],
    ['iso-8859-1', `${text}½ ¿ ÿ ©\r\n`],
    ['utf-16le', `${text}Ng 你好 🙂\r\n`],
    ['utf-16be', `${text}Ng 你好 🙂\r\n`],
    ['utf-8', `${text}Ng 你好 🙂\r\n`],
  ] as const)('decodes %s text to the same text in UTF-8, however it is cut', (encoding, source) => {
    const bytes = iconv.encode(source, encoding);
    for (const chunks of cuts(bytes)) expect(decode(encoding, ...chunks)).toEqual({ text: source, encoding });
  });

  it('passes UTF-8 through unchanged: the same buffers, BOM included', () => {
    const decoder = new CsvTextDecoder();
    const first = Buffer.from('\ufeffphone\n+6588893322\n');
    const second = Buffer.from('+6591234567\n');
    expect(decoder.write(first)).toBe(first);
    expect(decoder.write(second)).toBe(second);
    expect(decoder.end()).toHaveLength(0);
    expect(decoder.encoding).toBe('utf-8');
  });

  it('reads UTF-16 by its byte-order mark without a declared encoding, and drops the mark', () => {
    for (const encoding of ['utf-16le', 'utf-16be'] as const) {
      const bytes = iconv.encode('phone\tname\r\n+6588893322\tZoë\r\n', encoding, { addBOM: true });
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from(encoding === 'utf-16le' ? [0xff, 0xfe] : [0xfe, 0xff]));
      for (const chunks of cuts(bytes)) expect(decode(undefined, ...chunks)).toEqual({ text: 'phone\tname\r\n+6588893322\tZoë\r\n', encoding });
      expect(decode(encoding, bytes).text).toBe('phone\tname\r\n+6588893322\tZoë\r\n');
    }
  });

  it('takes a file without a byte-order mark for UTF-8 unless told otherwise', () => {
    expect(decode(undefined, Buffer.from('ph')).encoding).toBe('utf-8');
    expect(decode(undefined).encoding).toBe('utf-8');
    expect(decode(undefined, Buffer.from('phone\n')).text).toBe('phone\n');
  });

  it.each([
    ['a UTF-16LE mark', 'windows-1252', [0xff, 0xfe, 0x70, 0x00], 'a UTF-16LE byte-order mark, but the encoding field says windows-1252: send encoding=utf-16le'],
    ['a UTF-16BE mark', 'utf-16le', [0xfe, 0xff, 0x00, 0x70], 'a UTF-16BE byte-order mark, but the encoding field says utf-16le: send encoding=utf-16be'],
    ['a UTF-16LE mark', 'utf-8', [0xff, 0xfe, 0x70, 0x00], 'a UTF-16LE byte-order mark, but the encoding field says utf-8'],
    ['a UTF-8 mark', 'iso-8859-1', [0xef, 0xbb, 0xbf, 0x70], 'a UTF-8 byte-order mark, but the encoding field says iso-8859-1: send encoding=utf-8'],
  ] as const)('refuses %s under encoding=%s', (_label, declared, bytes, message) => {
    const error = errorOf(declared, Buffer.from(bytes));
    expect(error.line).toBe(1);
    expect(error.message).toContain(message);
    expect(error.message).toContain('or leave the field out');
  });

  it('refuses a ZIP archive (an Excel workbook) in every encoding', () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x41)]);
    for (const encoding of [undefined, ...CSV_ENCODINGS]) {
      expect(errorOf(encoding, xlsx.subarray(0, 2), xlsx.subarray(2)).message).toContain('Excel workbook');
    }
  });

  it('refuses a NUL character in every encoding, naming its byte and line', () => {
    for (const encoding of CSV_ENCODINGS) {
      const bytes = iconv.encode('phone\r\n+65\u00008\r\n', encoding);
      const unit = encoding.startsWith('utf-16') ? 2 : 1;
      const error = errorOf(encoding, bytes);
      expect([encoding, error.line, error.message]).toEqual([encoding, 2, expect.stringMatching(new RegExp(`NUL (byte|character) at byte ${10 * unit}\\)`))]);
    }
  });

  it.each([0x81, 0x8d, 0x8f, 0x90, 0x9d])('refuses the byte 0x%s, undefined in Windows-1252, with its line', (byte) => {
    const bytes = Buffer.concat([iconv.encode('phone,name\n+6588893322,Zoë\r+6591234567,A', 'windows-1252'), Buffer.from([byte, 0x0a])]);
    for (const chunks of cuts(bytes)) {
      const error = errorOf('windows-1252', ...chunks);
      expect(error.line).toBe(3);
      expect(error.message).toContain(`(the byte 0x${byte.toString(16).toUpperCase()} at byte ${bytes.length - 2} is undefined in Windows-1252`);
    }
  });

  it('accepts every other byte of Windows-1252, as the code page defines it', () => {
    const bytes = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1).filter((byte) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(byte)));
    const { text } = decode('windows-1252', bytes);
    expect(text).toBe(iconv.decode(bytes, 'windows-1252'));
    expect(text).not.toContain('\ufffd');
    expect(text.slice(0x80 - 1, 0x80)).toBe('€');
  });

  it('refuses C1 control bytes in ISO-8859-1, pointing at Windows-1252', () => {
    const bytes = Buffer.concat([Buffer.from('phone,name\r\n+6588893322,O'), Buffer.from([0x92]), Buffer.from('Brien\r\n')]);
    const error = errorOf('iso-8859-1', bytes);
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      'the file is not ISO-8859-1 text (the byte 0x92 at byte 25 is a control character there, not text; a file saved on Windows is windows-1252, where 0x92 is "’": send encoding=windows-1252)',
    );
    expect(decode('windows-1252', bytes).text).toBe('phone,name\r\n+6588893322,O’Brien\r\n');
    expect(errorOf('iso-8859-1', Buffer.from('phone\n\x81', 'latin1')).message).toContain('is a control character there, not text; a file saved on Windows is windows-1252: send');
  });

  it('refuses UTF-16 with an odd number of bytes', () => {
    const bytes = Buffer.concat([iconv.encode('phone\r\n+6588893322\r\n', 'utf-16le', { addBOM: true }), Buffer.from([0x41])]);
    const error = errorOf(undefined, bytes);
    expect(error.line).toBe(3);
    expect(error.message).toBe(`the file is not UTF-16LE text (it ends in the middle of a character: its ${bytes.length} bytes are an odd number)`);
    expect(errorOf('utf-16be', Buffer.from([0x00, 0x70, 0x00])).message).toContain('odd number');
  });

  it.each([
    ['a high surrogate not followed by a low one', 'utf-16le', [0x3d, 0xd8, 0x41, 0x00], '0xD83D'],
    ['a low surrogate alone', 'utf-16le', [0x00, 0xde, 0x41, 0x00], '0xDE00'],
    ['a high surrogate at the end of the file', 'utf-16le', [0x3d, 0xd8], '0xD83D'],
    ['a low surrogate alone (big-endian)', 'utf-16be', [0xde, 0x00, 0x00, 0x41], '0xDE00'],
  ] as const)('refuses %s, however the file is cut', (_label, encoding, tail, unit) => {
    const head = iconv.encode('phone\n+65\n', encoding);
    const bytes = Buffer.concat([head, Buffer.from(tail)]);
    for (const chunks of cuts(bytes)) {
      const error = errorOf(encoding, ...chunks);
      expect(error.line).toBe(3);
      expect(error.message).toContain(`(it has a surrogate without its pair, ${unit}, at byte ${head.length})`);
    }
  });

  it('counts the byte-order mark in byte offsets', () => {
    const bytes = Buffer.concat([iconv.encode('ph\n', 'utf-16le', { addBOM: true }), Buffer.from([0x00, 0xde])]);
    expect(errorOf(undefined, bytes).message).toContain('0xDE00, at byte 8)');
  });
});

describe('byteOrderMark', () => {
  it.each([
    [[0xef, 0xbb, 0xbf, 0x70], { encoding: 'utf-8', length: 3 }],
    [[0xff, 0xfe, 0x70, 0x00], { encoding: 'utf-16le', length: 2 }],
    [[0xfe, 0xff, 0x00, 0x70], { encoding: 'utf-16be', length: 2 }],
    [[0x70, 0x68], null],
    [[0xef, 0xbb], null],
  ])('%j', (bytes, expected) => {
    expect(byteOrderMark(Buffer.from(bytes))).toEqual(expected);
  });
});
