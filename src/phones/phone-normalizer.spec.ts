import type { CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { createPhoneNormalizer } from './phone-normalizer';

describe('createPhoneNormalizer', () => {
  const sg = createPhoneNormalizer('SG');
  const noRegion = createPhoneNormalizer();

  it.each([
    ['+65 8889 3322', '+6588893322'],
    ['+65-8889-3322', '+6588893322'],
    ['+65.8889.3322', '+6588893322'],
    ['+65 (8889) 3322', '+6588893322'],
    ['  +6588893322  ', '+6588893322'],
    ['+65\u00a08889\u00a03322', '+6588893322'],
    ['0065 8889 3322', '+6588893322'],
    ['+65 (0)8889 3322', '+6588893322'],
    ['+44 (0)20 7946 0958', '+442079460958'],
    ['+1 (415) 555-2671', '+14155552671'],
    ['(+65) 9123-4567', '+6591234567'],
    ['( +65 ) 9123 4567', '+6591234567'],
  ])('normalizes the international number %j without a region', (raw, e164) => {
    expect(noRegion(raw)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['8889 3322', '+6588893322'],
    ['88893322', '+6588893322'],
    ['9123-4567', '+6591234567'],
    ['6123.4567', '+6561234567'],
    ['(0) 8889 3322', '+6588893322'],
    ['(0)9123 4567', '+6591234567'],
    ['65 8889 3322', '+6588893322'],
    ['+65 8889 3322', '+6588893322'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('normalizes %j with defaultRegion SG', (raw, e164) => {
    expect(sg(raw)).toEqual({ ok: true, e164 });
  });

  it('normalizes US national formats with defaultRegion US', () => {
    const us = createPhoneNormalizer('US');
    expect(us('(415) 555-2671')).toEqual({ ok: true, e164: '+14155552671' });
    expect(us('415.555.2671')).toEqual({ ok: true, e164: '+14155552671' });
    expect(us('1 415 555 2671')).toEqual({ ok: true, e164: '+14155552671' });
  });

  it('gives what libphonenumber-js gives for NANP numbers in the spellings of the US benchmark file, for every region of +1', () => {
    // Random 10-digit NANP numbers (most area codes are the US's; Canada's and the Caribbean's are among them),
    // spelled +1 NPA-NXX-XXXX, (NPA) NXX-XXXX and 1-NPA-NXX-XXXX, read with defaultRegion US, CA, JM and AG.
    let seed = 1_212_555;
    const digit = (from: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return String(from + Math.floor((seed / 4_294_967_296) * (10 - from)));
    };
    const mismatches: string[] = [];
    let valid = 0;
    for (let n = 0; n < 3000; n++) {
      const area = digit(2) + digit(0) + digit(0);
      const exchange = digit(2) + digit(0) + digit(0);
      const line = digit(0) + digit(0) + digit(0) + digit(0);
      for (const region of ['US', 'CA', 'JM', 'AG'] as CountryCode[]) {
        const normalize = createPhoneNormalizer(region);
        for (const written of [`+1 ${area}-${exchange}-${line}`, `(${area}) ${exchange}-${line}`, `1-${area}-${exchange}-${line}`]) {
          let expected: string | null = null;
          try {
            const parsed = parsePhoneNumberWithError(written.replace(/[^\d+]/g, ''), region);
            expected = parsed.isValid() ? parsed.number : null;
          } catch {
            expected = null;
          }
          const result = normalize(written);
          if (expected !== null) valid++;
          if ((result.ok ? result.e164 : null) !== expected && mismatches.length < 20) mismatches.push(`${written} (${region}): ${JSON.stringify(result)}, library ${expected}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(valid).toBeGreaterThan(10_000);
  });

  it("falls back to the region's own international prefix when reading 00 as + gives no valid number", () => {
    expect(createPhoneNormalizer('AU')('0011 61 412 345 678')).toEqual({ ok: true, e164: '+61412345678' });
    expect(createPhoneNormalizer('US')('011 65 8889 3322')).toEqual({ ok: true, e164: '+6588893322' });
    // Without a region, 00 means + and nothing else.
    expect(createPhoneNormalizer()('0011 61 412 345 678')).toEqual({ ok: false, message: 'is not a valid phone number' });
  });

  it('normalizes national formats with a trunk prefix', () => {
    expect(createPhoneNormalizer('GB')('020 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
    expect(createPhoneNormalizer('ID')('0812-3456-7890')).toEqual({ ok: true, e164: '+6281234567890' });
  });

  it('says a national number needs defaultRegion', () => {
    expect(noRegion('8889 3322')).toEqual({
      ok: false,
      message: 'is in national format: set defaultRegion or write it as +<country code><number>',
    });
  });

  it.each([
    ['1234 5678', 'SG', 'is not a valid phone number for region SG'],
    ['8000 0000', 'SG', 'is not a valid phone number for region SG'],
    ['12345', 'SG', 'is not a valid phone number for region SG'],
    ['+65 1234 5678', 'SG', 'is not a valid phone number'],
    ['+65 8889 332', undefined, 'is not a valid phone number'],
    ['+999 1234 5678', undefined, 'does not start with a known country code'],
    ['+0 1234', undefined, 'does not start with a known country code'],
    ['+', undefined, 'is not a phone number'],
    ['()', 'SG', 'is not a phone number'],
    ['+65 8889 3322 ext 5', 'SG', 'may only contain digits, spaces, dashes, dots, parentheses and a leading + or 00'],
    ['1-800-FLOWERS', 'SG', 'may only contain digits, spaces, dashes, dots, parentheses and a leading + or 00'],
    ['65+88893322', 'SG', 'may only contain digits, spaces, dashes, dots, parentheses and a leading + or 00'],
    ['   ', 'SG', 'is empty'],
    ['', 'SG', 'is empty'],
  ] as const)('refuses %j (defaultRegion %s)', (raw, region, message) => {
    expect(createPhoneNormalizer(region)(raw)).toEqual({ ok: false, message });
  });

  it('recognizes a number a spreadsheet turned into scientific notation', () => {
    const result = sg('6.58889E+10');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain('scientific notation');
  });

  it('refuses an unknown defaultRegion up front', () => {
    expect(() => createPhoneNormalizer('XX' as never)).toThrow(RangeError);
  });
});
