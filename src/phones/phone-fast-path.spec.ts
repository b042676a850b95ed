import type { CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountries, getCountryCallingCode, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { PhoneFastPath } from './phone-fast-path';

/** What libphonenumber-js itself says: the E.164 form of a valid number, else null. */
const library = (digits: string, region: CountryCode | undefined): string | null => {
  try {
    const parsed = parsePhoneNumberWithError(digits, region);
    return parsed.isValid() ? parsed.number : null;
  } catch {
    return null;
  }
};

describe('PhoneFastPath', () => {
  const fastPath = new PhoneFastPath();

  it('is enabled with the installed libphonenumber-js', () => {
    expect(fastPath.enabled).toBe(true);
  });

  it('answers the common cases itself', () => {
    expect(fastPath.e164('+6588893322', undefined)).toBe('+6588893322');
    expect(fastPath.e164('88893322', 'SG')).toBe('+6588893322');
    expect(fastPath.e164('+60123456789', undefined)).toBe('+60123456789'); // MY: national prefix 0, none here
  });

  it('leaves to the library what needs its other branches, and invalid numbers', () => {
    expect(fastPath.e164('+14155552671', undefined)).toBeUndefined(); // +1 is shared by 25 countries
    expect(fastPath.e164('4155552671', 'US')).toBeUndefined();
    expect(fastPath.e164('0812345678', 'ID')).toBeUndefined(); // national prefix to strip
    expect(fastPath.e164('6588893322', 'SG')).toBeUndefined(); // starts with the calling code
    expect(fastPath.e164('0016588893322', 'SG')).toBeUndefined(); // SG's IDD prefix
    expect(fastPath.e164('+6512345678', undefined)).toBeUndefined(); // not valid
    expect(fastPath.e164('88893322', undefined)).toBeUndefined();
    expect(fastPath.e164('+80012345678', undefined)).toBeUndefined(); // non-geographic
  });

  it('never disagrees with libphonenumber-js, for numbers of every country', () => {
    // Deterministic pseudo-random numbers: each country's example mobile number with its last digits changed (mostly
    // valid numbers), and random digit strings (mostly invalid), written with +, with the calling code but no +,
    // with a trunk 0 (after the calling code too) and plain, each parsed for its own country and for another one.
    let seed = 20_261_122;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 4_294_967_296) * n);
    };
    const randomDigits = (length: number): string => Array.from({ length }, () => random(10)).join('');
    const countries = getCountries();
    const mismatches: string[] = [];
    let decided = 0;
    let checked = 0;
    const compare = (digits: string, region: CountryCode | undefined): void => {
      checked++;
      const fast = fastPath.e164(digits, region);
      if (fast === undefined) return;
      decided++;
      const expected = library(digits, region);
      if (fast !== expected) mismatches.push(`${digits} (${region ?? 'no region'}): fast path ${fast}, library ${expected}`);
    };
    for (const country of countries) {
      const callingCode = getCountryCallingCode(country);
      const example = (examples as Partial<Record<CountryCode, string>>)[country];
      const bases = [randomDigits(4 + random(10)), randomDigits(4 + random(10))];
      if (example !== undefined) bases.push(example, example);
      for (const base of bases) {
        for (let n = 0; n < 12; n++) {
          const digits = base.split('');
          for (let k = random(3); k > 0; k--) digits[digits.length - 1 - random(Math.min(4, digits.length))] = String(random(10));
          if (random(10) === 0) digits.push(String(random(10)));
          if (random(10) === 0) digits.pop();
          const national = digits.join('');
          const other = countries[random(countries.length)];
          compare(`+${callingCode}${national}`, undefined);
          compare(`+${callingCode}${national}`, other);
          compare(`+${callingCode}0${national}`, undefined);
          compare(national, country);
          compare(`0${national}`, country);
          compare(`${callingCode}${national}`, country);
          compare(national, other);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // The comparison means something only if the fast path answered often enough.
    expect(checked).toBeGreaterThan(60_000);
    expect(decided).toBeGreaterThan(checked / 20);
  });
});
