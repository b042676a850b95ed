import type { CountryCode, MetadataJson } from 'libphonenumber-js';
import { Metadata } from 'libphonenumber-js/core';
import examples from 'libphonenumber-js/examples.mobile.json';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
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

/** Deterministic pseudo-random integers below n. */
function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return Math.floor((state / 4_294_967_296) * n);
  };
}

/**
 * Random strings matching a metadata pattern. The patterns use only digits, `\d`, `[...]` classes with ranges,
 * `(?:...|...)`, `{n}`, `{n,m}` and `?` (checked below: anything else throws).
 */
type Node = { kind: 'chars'; chars: string } | { kind: 'alt'; options: Node[][] } | { kind: 'repeat'; node: Node; min: number; max: number };

function parsePattern(pattern: string): Node[] {
  let i = 0;
  const sequence = (): Node[][] => {
    const options: Node[][] = [[]];
    while (i < pattern.length && pattern[i] !== ')') {
      const c = pattern[i];
      if (c === '|') {
        options.push([]);
        i++;
        continue;
      }
      let node: Node;
      if (c === '(') {
        if (pattern.slice(i, i + 3) !== '(?:') throw new Error(`unsupported group in ${pattern}`);
        i += 3;
        const inner = sequence();
        if (pattern[i] !== ')') throw new Error(`unclosed group in ${pattern}`);
        i++;
        node = { kind: 'alt', options: inner };
      } else if (c === '[') {
        const end = pattern.indexOf(']', i);
        const body = pattern.slice(i + 1, end);
        let chars = '';
        for (let k = 0; k < body.length; k++) {
          if (body[k + 1] === '-' && k + 2 < body.length) {
            for (let d = body.charCodeAt(k); d <= body.charCodeAt(k + 2); d++) chars += String.fromCharCode(d);
            k += 2;
          } else chars += body[k];
        }
        if (!/^\d+$/.test(chars)) throw new Error(`unsupported class in ${pattern}`);
        node = { kind: 'chars', chars };
        i = end + 1;
      } else if (c === '\\') {
        if (pattern[i + 1] !== 'd') throw new Error(`unsupported escape in ${pattern}`);
        node = { kind: 'chars', chars: '0123456789' };
        i += 2;
      } else if (/\d/.test(c)) {
        node = { kind: 'chars', chars: c };
        i++;
      } else throw new Error(`unsupported ${c} in ${pattern}`);
      if (pattern[i] === '{') {
        const end = pattern.indexOf('}', i);
        const [min, max] = pattern.slice(i + 1, end).split(',').map(Number);
        node = { kind: 'repeat', node, min, max: max ?? min };
        i = end + 1;
      } else if (pattern[i] === '?') {
        node = { kind: 'repeat', node, min: 0, max: 1 };
        i++;
      }
      options[options.length - 1].push(node);
    }
    return options;
  };
  const options = sequence();
  if (i !== pattern.length) throw new Error(`unbalanced ) in ${pattern}`);
  return [{ kind: 'alt', options }];
}

function sample(nodes: Node[], random: (n: number) => number): string {
  let out = '';
  const walk = (node: Node): void => {
    if (node.kind === 'chars') out += node.chars[random(node.chars.length)];
    else if (node.kind === 'alt') for (const child of node.options[random(node.options.length)]) walk(child);
    else for (let k = node.min + random(node.max - node.min + 1); k > 0; k--) walk(node.node);
  };
  nodes.forEach(walk);
  return out;
}

interface NumberingPlanInternals {
  nationalNumberPattern(): string;
  nationalPrefix(): string | undefined;
  hasTypes(): boolean;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/**
 * Example national numbers of every type of a country: the library ships example numbers for mobiles only
 * (examples.mobile.json, used too), so for each number type of the country's metadata `perType` numbers are drawn
 * from the type's own pattern, with one of its possible lengths and matching the country's national number pattern.
 */
function exampleNumbers(country: CountryCode, perType: number, random: (n: number) => number): { type: string; national: string }[] {
  const metadata = new Metadata(maxMetadata as MetadataJson) as unknown as { selectNumberingPlan(c: string): void; numberingPlan: NumberingPlanInternals };
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan;
  const general = new RegExp(`^(?:${plan.nationalNumberPattern()})$`);
  const found: { type: string; national: string }[] = [];
  const example = (examples as Partial<Record<CountryCode, string>>)[country];
  if (example !== undefined) found.push({ type: 'MOBILE (library example)', national: example });
  if (!plan.hasTypes()) return found;
  for (const type of NUMBER_TYPES) {
    const definition = plan.type(type);
    const pattern = definition?.pattern();
    if (!definition || !pattern) continue;
    const lengths = definition.possibleLengths();
    const nodes = parsePattern(pattern);
    let drawn = 0;
    for (let attempt = 0; attempt < perType * 50 && drawn < perType; attempt++) {
      const national = sample(nodes, random);
      if ((lengths === undefined || lengths.includes(national.length)) && general.test(national)) {
        found.push({ type, national });
        drawn++;
      }
    }
  }
  return found;
}

describe('PhoneFastPath', () => {
  const fastPath = new PhoneFastPath();
  const countries = getCountries();
  const callingCodes = maxMetadata.country_calling_codes as Record<string, CountryCode[]>;

  it('is enabled with the installed libphonenumber-js', () => {
    expect(fastPath.enabled).toBe(true);
  });

  it('answers the common cases itself, calling codes shared by several countries included', () => {
    expect(fastPath.e164('+6588893322', undefined)).toBe('+6588893322');
    expect(fastPath.e164('88893322', 'SG')).toBe('+6588893322');
    expect(fastPath.e164('+60123456789', undefined)).toBe('+60123456789'); // MY: national prefix 0, none here
    expect(fastPath.e164('+12015550123', undefined)).toBe('+12015550123'); // +1: US, by its number types
    expect(fastPath.e164('2015550123', 'US')).toBe('+12015550123');
    expect(fastPath.e164('12015550123', 'US')).toBe('+12015550123'); // the trunk prefix 1 stripped
    expect(fastPath.e164('+16135550123', undefined)).toBe('+16135550123'); // +1: Canada (613), after 7 countries' leading digits
    expect(fastPath.e164('+12642351234', undefined)).toBe('+12642351234'); // +1 264: Anguilla, by its leading digits
    expect(fastPath.e164('+447911123456', undefined)).toBe('+447911123456'); // +44 shared with GG, IM, JE
    expect(fastPath.e164('07911123456', 'GB')).toBe('+447911123456'); // national prefix 0
    expect(fastPath.e164('+74951234567', undefined)).toBe('+74951234567'); // +7: Russia
    expect(fastPath.e164('+77012345678', undefined)).toBe('+77012345678'); // +7: Kazakhstan
    expect(fastPath.e164('89161234567', 'RU')).toBe('+79161234567'); // national prefix 8
    expect(fastPath.e164('88005553535', 'RU')).toBe('+78005553535');
    expect(fastPath.e164('8005553535', 'RU')).toBe('+78005553535'); // 8 kept: without it, no Russian number
  });

  it('leaves to the library what needs its other branches, and invalid numbers', () => {
    expect(fastPath.e164('0016588893322', 'SG')).toBeUndefined(); // SG's IDD prefix
    expect(fastPath.e164('01112015550123', 'US')).toBeUndefined(); // US's IDD prefix
    expect(fastPath.e164('2351234', 'AI')).toBeUndefined(); // Anguilla: a national prefix transform rule (264 + 7 digits)
    expect(fastPath.e164('+6512345678', undefined)).toBeUndefined(); // not valid
    expect(fastPath.e164('+11235550123', undefined)).toBeUndefined(); // no NANP area code starts with 1
    expect(fastPath.e164('88893322', undefined)).toBeUndefined();
    expect(fastPath.e164('+80012345678', undefined)).toBeUndefined(); // non-geographic
  });

  /**
   * Compares the fast path with the library: whenever the fast path answers, it must give what the library gives
   * (a fast path that answered an invalid number would give a string where the library gives null).
   */
  const comparer = () => {
    const mismatches: string[] = [];
    let checked = 0;
    let libraryValid = 0;
    let decidedValid = 0;
    const compare = (digits: string, region: CountryCode | undefined): void => {
      checked++;
      const fast = fastPath.e164(digits, region);
      const expected = library(digits, region);
      if (expected !== null) libraryValid++;
      if (fast === undefined) return;
      if (fast === expected) decidedValid++;
      else if (mismatches.length < 50) mismatches.push(`${digits} (${region ?? 'no region'}): fast path ${fast}, library ${expected}`);
    };
    return { compare, mismatches, stats: () => ({ checked, libraryValid, decidedValid }) };
  };

  it("never disagrees with libphonenumber-js on every country's example numbers of every type, in every spelling", () => {
    const random = seeded(20_261_204);
    const { compare, mismatches, stats } = comparer();
    const sharedStats = comparer();
    for (const country of countries) {
      const callingCode = getCountryCallingCode(country);
      const sharing = callingCodes[callingCode] ?? [country];
      const metadata = new Metadata(maxMetadata as MetadataJson) as unknown as { selectNumberingPlan(c: string): void; numberingPlan: NumberingPlanInternals };
      metadata.selectNumberingPlan(country);
      const trunk = metadata.numberingPlan.nationalPrefix() ?? '0';
      for (const { national } of exampleNumbers(country, 3, random)) {
        const other = countries[random(countries.length)];
        const neighbour = sharing[random(sharing.length)];
        const check = sharing.length > 1 ? sharedStats.compare : compare;
        check(`+${callingCode}${national}`, undefined);
        check(`+${callingCode}${national}`, other);
        check(`+${callingCode}${trunk}${national}`, undefined);
        check(national, country);
        check(`${trunk}${national}`, country);
        check(`${callingCode}${national}`, country);
        check(`${callingCode}${trunk}${national}`, country);
        check(national, neighbour);
        check(`${trunk}${national}`, neighbour);
        check(`${callingCode}${national}`, neighbour);
        check(national, other);
      }
    }
    expect(mismatches).toEqual([]);
    expect(sharedStats.mismatches).toEqual([]);
    const all = stats();
    const shared = sharedStats.stats();
    expect(all.checked + shared.checked).toBeGreaterThan(35_000);
    // The comparison means something only if the fast path answers: most valid numbers, shared calling codes included.
    expect(all.decidedValid).toBeGreaterThan(all.libraryValid * 0.9);
    expect(shared.libraryValid).toBeGreaterThan(2_000);
    expect(shared.decidedValid).toBeGreaterThan(shared.libraryValid * 0.9);
  });

  it('never disagrees with libphonenumber-js on generated valid and invalid numbers of every country', () => {
    // Each country's numbers (drawn from its patterns, mostly valid) with digits changed, added or dropped (mostly
    // invalid, some valid elsewhere), and random digit strings, written with +, with a trunk prefix after the
    // calling code, with the calling code but no +, with a trunk 0 and plain, each for its own country, for another
    // country of its calling code, and for an unrelated one.
    const random = seeded(20_261_122);
    const randomDigits = (length: number): string => Array.from({ length }, () => random(10)).join('');
    const { compare, mismatches, stats } = comparer();
    for (const country of countries) {
      const callingCode = getCountryCallingCode(country);
      const sharing = callingCodes[callingCode] ?? [country];
      const bases = [randomDigits(4 + random(10)), randomDigits(4 + random(10)), ...exampleNumbers(country, 2, random).map((e) => e.national)];
      for (const base of bases) {
        for (let n = 0; n < 8; n++) {
          const digits = base.split('');
          for (let k = random(3); k > 0; k--) digits[digits.length - 1 - random(Math.min(4, digits.length))] = String(random(10));
          if (random(8) === 0) digits.push(String(random(10)));
          if (random(8) === 0) digits.pop();
          if (random(16) === 0) digits[0] = String(random(10));
          const national = digits.join('');
          const other = countries[random(countries.length)];
          const neighbour = sharing[random(sharing.length)];
          compare(`+${callingCode}${national}`, undefined);
          compare(`+${callingCode}${national}`, other);
          compare(`+${callingCode}0${national}`, undefined);
          compare(national, country);
          compare(`0${national}`, country);
          compare(`1${national}`, country);
          compare(`8${national}`, country);
          compare(`${callingCode}${national}`, country);
          compare(national, neighbour);
          compare(`${callingCode}${national}`, neighbour);
          compare(national, other);
        }
      }
    }
    expect(mismatches).toEqual([]);
    const { checked, libraryValid, decidedValid } = stats();
    expect(checked).toBeGreaterThan(100_000);
    expect(libraryValid).toBeGreaterThan(10_000);
    expect(decidedValid).toBeGreaterThan(libraryValid * 0.8);
  });

  it('never disagrees with libphonenumber-js on random numbers of the shared calling codes', () => {
    // Every calling code of several countries, with national numbers drawn from every type of every one of its
    // countries, and random strings of 6-12 digits after the code (mostly invalid), written with + and, for each
    // country of the code, nationally with and without the calling code and the trunk prefix.
    const random = seeded(7_441_248);
    const { compare, mismatches, stats } = comparer();
    for (const [callingCode, sharing] of Object.entries(callingCodes)) {
      if (sharing.length < 2) continue;
      const nationals = sharing.flatMap((country) => exampleNumbers(country, 4, random).map((e) => e.national));
      for (let n = 0; n < 200; n++) nationals.push(Array.from({ length: 6 + random(7) }, () => random(10)).join(''));
      for (const national of nationals) {
        compare(`+${callingCode}${national}`, undefined);
        for (const country of sharing) {
          compare(national, country);
          compare(`${callingCode}${national}`, country);
          compare(`0${national}`, country);
          compare(`1${national}`, country);
        }
      }
    }
    expect(mismatches).toEqual([]);
    const { checked, libraryValid, decidedValid } = stats();
    expect(checked).toBeGreaterThan(50_000);
    expect(decidedValid).toBeGreaterThan(libraryValid * 0.8);
  });
});
