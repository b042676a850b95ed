import type { CountryCode } from 'libphonenumber-js';
import { Metadata } from 'libphonenumber-js/core';
import type { MetadataJson } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { seededRandom } from './stats';

/**
 * Phone numbers for the generated debtor CSVs other than the Singapore one: valid by libphonenumber-js's full
 * ("max") metadata, unique, drawn from a fixed seed, and spelled in turn in several ways.
 *
 * How a number is drawn (the same for every country, nothing aimed at a particular code path): a number type
 * (fixed line or mobile, half each), one of that type's possible national lengths, then every digit uniformly at
 * random; it is kept when it matches the type's pattern and libphonenumber-js (`parsePhoneNumberWithError` +
 * `isValid()`) says it is valid and belongs to the country (a NANP number drawn for the US must not be Canadian).
 * So the numbers spread over every area code, exchange and mobile range of the country in proportion to how many
 * numbers each allows. A number already drawn, or longer than E.164 allows (15 digits), is drawn again.
 */

/** The parts of the Metadata class read here; they exist at run time but are not in its typings. */
interface NumberingPlanInternals {
  callingCode(): string;
  nationalNumberPattern(): string;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

interface TypeSampler {
  pattern: RegExp;
  lengths: number[];
}

interface CountrySampler {
  country: CountryCode;
  callingCode: string;
  general: RegExp;
  types: TypeSampler[];
}

export interface GeneratedPhone {
  /** As written in the CSV. */
  written: string;
  /** What the service must store. */
  e164: string;
}

export interface PhoneSource {
  /** The upload's defaultRegion. */
  defaultRegion: CountryCode;
  /** How the numbers are spelled, for the report. */
  spellings: string[];
  next(): GeneratedPhone;
}

function sampler(country: CountryCode): CountrySampler {
  const metadata = new Metadata(maxMetadata as MetadataJson) as unknown as { selectNumberingPlan(c: string): void; numberingPlan: NumberingPlanInternals };
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan;
  const types = ['FIXED_LINE', 'MOBILE'].flatMap((name) => {
    const type = plan.type(name);
    const pattern = type?.pattern();
    const lengths = type?.possibleLengths();
    return type && pattern && lengths?.length ? [{ pattern: new RegExp(`^(?:${pattern})$`), lengths }] : [];
  });
  if (types.length === 0) throw new Error(`no fixed-line or mobile pattern for ${country}`);
  return { country, callingCode: plan.callingCode(), general: new RegExp(`^(?:${plan.nationalNumberPattern()})$`), types };
}

/** Draws unique valid national numbers of one country from `random`. */
class NumberDrawer {
  private readonly sampler: CountrySampler;

  constructor(
    country: CountryCode,
    private readonly random: () => number,
    private readonly seen: Set<string>,
  ) {
    this.sampler = sampler(country);
  }

  get callingCode(): string {
    return this.sampler.callingCode;
  }

  /** A national (significant) number, valid and of this country, not drawn before. */
  draw(): string {
    const { types, general, country, callingCode } = this.sampler;
    for (let attempt = 0; attempt < 100_000; attempt++) {
      const type = types[Math.floor(this.random() * types.length)];
      const length = type.lengths[Math.floor(this.random() * type.lengths.length)];
      let digits = '';
      for (let i = 0; i < length; i++) digits += String.fromCharCode(48 + Math.floor(this.random() * 10));
      if (!type.pattern.test(digits) || !general.test(digits)) continue;
      const e164 = `+${callingCode}${digits}`;
      // E.164 allows 15 digits at most (some German numbers are valid for libphonenumber-js with more; the service refuses them).
      if (e164.length > 16 || this.seen.has(e164)) continue;
      const parsed = parsePhoneNumberWithError(e164);
      if (!parsed.isValid() || parsed.country !== country || parsed.number !== e164) continue;
      this.seen.add(e164);
      return digits;
    }
    throw new Error(`could not draw a valid ${country} number`);
  }
}

/** Groups of 3 digits, the last group taking what is left (at least 2): `7911 123456` → `791 112 3456`. */
function grouped(digits: string, separator: string): string {
  const parts: string[] = [];
  let i = 0;
  while (digits.length - i > 4) {
    parts.push(digits.slice(i, i + 3));
    i += 3;
  }
  parts.push(digits.slice(i));
  return parts.join(separator);
}

/** The NANP spellings of the US file, in turn. */
export const US_SPELLINGS = ['+1 212-555-0123', '(212) 555-0123', '1-212-555-0123'] as const;

function nanpAsWritten(national: string, turn: number): string {
  const [area, exchange, line] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  switch (turn % US_SPELLINGS.length) {
    case 0:
      return `+1 ${area}-${exchange}-${line}`;
    case 1:
      return `(${area}) ${exchange}-${line}`;
    default:
      return `1-${area}-${exchange}-${line}`;
  }
}

/**
 * US numbers (defaultRegion US), spelled in turn `+1 212-555-0123`, `(212) 555-0123` (national) and
 * `1-212-555-0123` (national with the trunk prefix 1).
 */
export function usPhoneSource(seed: number): PhoneSource {
  const seen = new Set<string>();
  const drawer = new NumberDrawer('US', seededRandom(seed), seen);
  let turn = 0;
  return {
    defaultRegion: 'US',
    spellings: [...US_SPELLINGS],
    next() {
      const national = drawer.draw();
      return { written: nanpAsWritten(national, turn++), e164: `+1${national}` };
    },
  };
}

export const MIXED_COUNTRIES: CountryCode[] = ['SG', 'US', 'GB', 'IN', 'DE', 'AU', 'BR', 'NL'];

/** The international spellings of the mixed file (the US numbers are also written in the national ones above). */
export const MIXED_INTERNATIONAL_SPELLINGS = ['+4479 1112 3456 (E.164)', '+44 791 112 3456', '0044 791 112 3456', '+44 (0)791-112-3456'] as const;

/**
 * Numbers of SG, US, GB, IN, DE, AU, BR and NL, one eighth each (the country of row i is a seeded draw), with
 * defaultRegion US. Other countries' numbers are written internationally, in turn `+4479…` (E.164),
 * `+44 791 112 3456`, `0044 791 112 3456` and `+44 (0)791-112-3456` (the trunk zero in parentheses, as people
 * write it; only for countries whose national prefix is 0, the others get `+cc` spaced instead). US numbers
 * rotate through the three NANP spellings of the US file, two of them national (defaultRegion US).
 */
export function mixedPhoneSource(seed: number): PhoneSource {
  const random = seededRandom(seed);
  const seen = new Set<string>();
  const drawers = MIXED_COUNTRIES.map((country) => new NumberDrawer(country, random, seen));
  const trunkZero = new Set<CountryCode>(['GB', 'DE', 'AU', 'NL', 'IN', 'BR']);
  const turns = new Array<number>(drawers.length).fill(0);
  return {
    defaultRegion: 'US',
    spellings: [...MIXED_INTERNATIONAL_SPELLINGS, ...US_SPELLINGS.map((s) => `${s} (US numbers)`)],
    next() {
      const which = Math.floor(random() * drawers.length);
      const drawer = drawers[which];
      const national = drawer.draw();
      const turn = turns[which]++;
      const cc = drawer.callingCode;
      const e164 = `+${cc}${national}`;
      if (MIXED_COUNTRIES[which] === 'US') return { written: nanpAsWritten(national, turn), e164 };
      switch (turn % 4) {
        case 0:
          return { written: e164, e164 };
        case 1:
          return { written: `+${cc} ${grouped(national, ' ')}`, e164 };
        case 2:
          return { written: `00${cc} ${grouped(national, ' ')}`, e164 };
        default:
          return { written: trunkZero.has(MIXED_COUNTRIES[which]) ? `+${cc} (0)${grouped(national, '-')}` : `+${cc} ${grouped(national, '-')}`, e164 };
      }
    },
  };
}
