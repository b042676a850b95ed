import { findUnstorableCharacter, findUnstorableJsonEscape } from './unstorable-text';
import { verifyJsonText } from './body-parser-errors';
import { redactPhoneNumbers } from './pii-redaction';

const escapeIn = (json: string) => findUnstorableJsonEscape(Buffer.from(json));

describe('findUnstorableJsonEscape', () => {
  it('finds NUL and unpaired surrogates written as escapes', () => {
    expect(escapeIn('{"a":"x\\u0000"}')).toContain('NUL');
    expect(escapeIn('{"a":"\\ud800"}')).toContain('unpaired');
    expect(escapeIn('{"a":"\\udc00\\ud800"}')).toContain('unpaired');
    expect(escapeIn('{"a":"\\uD83Dx"}')).toContain('unpaired');
    expect(escapeIn('{"a":"\\ud83d"}')).toContain('unpaired');
  });

  it('lets pairs, other escapes, escaped backslashes and plain text through', () => {
    expect(escapeIn('{"a":"\\ud83d\\ude00 \\u00e9 \\u0041"}')).toBeUndefined();
    expect(escapeIn('{"a":"\\\\u0000"}')).toBeUndefined(); // a backslash, then the text u0000
    expect(escapeIn('{"a":"\\\\\\u0000"}')).toContain('NUL'); // a backslash, then a NUL
    expect(escapeIn('{"a":"plain"}')).toBeUndefined();
  });
});

describe('findUnstorableCharacter', () => {
  it('finds NUL and unpaired surrogates in decoded text, not in ordinary text', () => {
    expect(findUnstorableCharacter('a\u0000b')).toContain('NUL');
    expect(findUnstorableCharacter('a\ud800b')).toContain('unpaired');
    expect(findUnstorableCharacter('a\udc00')).toContain('unpaired');
    expect(findUnstorableCharacter('😀 é')).toBeUndefined();
  });
});

describe('verifyJsonText', () => {
  const verify = (bytes: Buffer, encoding = 'utf-8') => () => verifyJsonText({} as any, {} as any, bytes, encoding);

  it('refuses bytes that are not UTF-8 with a 400', () => {
    expect(verify(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(expect.objectContaining({ status: 400, message: 'Body is not valid UTF-8 text' }));
  });

  it('refuses escapes PostgreSQL cannot store with a 400, and passes valid text', () => {
    expect(verify(Buffer.from('{"a":"\\u0000"}'))).toThrow(expect.objectContaining({ status: 400 }));
    expect(verify(Buffer.from('{"a":"é \\u00e9"}'))).not.toThrow();
  });
});

describe('redactPhoneNumbers', () => {
  it('keeps the country code and the last 2 digits', () => {
    expect(redactPhoneNumbers('dialing +6588893322 now')).toBe('dialing +65******22 now');
    expect(redactPhoneNumbers('+84917660247 and +14155550100')).toBe('+84*******47 and +1********00');
  });

  it('masks URL-encoded and spaced numbers too, and leaves ids, counts and times alone', () => {
    expect(redactPhoneNumbers('POST /status/r1/destinations/%2B6588893322/cancel failed')).toBe('POST /status/r1/destinations/%2B65******22/cancel failed');
    expect(redactPhoneNumbers('number +65 8889-3322.')).toBe('number +65******22.');
    const plain = 'call 3f1c0a2e-1b2c-4d5e-8f90-123456789012 took 1234567 ms at 2026-12-01T08:54:23.366+08:00, 6588893322';
    expect(redactPhoneNumbers(plain)).toBe(plain);
  });
});
