import type { CountryCode, MetadataJson } from 'libphonenumber-js/core';
import { Metadata } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';

/*
 * A shortcut for phone normalization, giving exactly what libphonenumber-js gives, for every country, calling codes
 * shared by several countries (+1, +7, +44, ...) included.
 *
 * parsePhoneNumberWithError() + isValid() cost about 4 µs per number, most of it generic work (option objects,
 * Metadata objects and RegExps built on every call, several times per number), which put a million rows at 7-8 s.
 * This module takes the same steps on the same ("max") metadata with everything compiled once per country, in
 * well under a microsecond.
 *
 * It only ever says "valid, and this is its E.164 form". Whenever the library would take a branch not mirrored
 * here (an international prefix to strip, a national prefix transform rule with captured digits, a non-geographic
 * calling code, an unexpected metadata shape) or the number is not valid, it returns undefined and the caller asks
 * libphonenumber-js itself, which also words the error. phone-fast-path.spec.ts compares the two on the example
 * numbers of every type of every country and on many thousands of generated valid and invalid numbers, written
 * with +, with the calling code but no +, with a trunk prefix and plain, for their own country, for another
 * country of their calling code and for an unrelated one.
 *
 * The steps mirror libphonenumber-js 1.x `parse()` (v2) and `PhoneNumber.isValid()` (read in version 1.13):
 *   - `+` number: `extractCountryCallingCode` takes the shortest prefix (1-3 digits) that is a calling code and
 *     selects the numbering plan of the code's main country (the first of `country_calling_codes`);
 *   - national number with a default country: `stripIddPrefix` applies when the country's IDD prefix matches at
 *     the start (left to the library); `extractCountryCallingCodeFromInternationalNumberWithoutPlusSign` when it
 *     starts with the country's calling code: the code is taken off when the number without it is a national
 *     number of the plan and the whole one is not, or when the whole one is too long;
 *   - `extractNationalNumber`: the national prefix (`^(?:national_prefix_for_parsing)`) is stripped unless the
 *     number matched the national pattern and would no longer, or the rest is too short / of an invalid length
 *     for the country it belongs to (`checkNumberLength`);
 *   - `getCountryByCallingCode`: the only country of a calling code, or else the first country of the code, in
 *     metadata order, whose leading digits match at the start of the national number, or which has no leading
 *     digits and for which `getNumberType()` finds a type; none: the default country (national number) or the
 *     code's main country (`+` number);
 *   - the national number must have 2-17 digits (MIN/MAX_LENGTH_FOR_NSN);
 *   - `isValid()`: with number types, `getNumberType() !== undefined`: the country's national number pattern
 *     matches entirely and so does the pattern of at least one type whose possible lengths include the number's
 *     length; without types, the national number pattern alone.
 */

/** The parts of the Metadata class this module reads; they exist at run time but are not in its typings. */
interface NumberTypeInternals {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlanInternals {
  callingCode(): string;
  IDDPrefix(): string;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  leadingDigits(): string | undefined;
  possibleLengths(): number[] | undefined;
  hasTypes(): boolean;
  type(type: string): NumberTypeInternals | undefined;
}
interface MetadataInternals {
  selectNumberingPlan(country: string): void;
  numberingPlan?: NumberingPlanInternals;
}

/** The number types `getNumberType()` tries. */
const NUMBER_TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;
/** Longer inputs are refused by the library before parsing (MAX_INPUT_STRING_LENGTH). */
const MAX_INPUT_LENGTH = 250;

interface CompiledPlan {
  country: string;
  callingCode: string;
  /** The countries of the calling code, main country first. */
  countries: readonly string[];
  iddPrefix: RegExp;
  /** `^(?:national_prefix_for_parsing)`. */
  nationalPrefix: RegExp | null;
  hasTransformRule: boolean;
  /** Used with `search() === 0`, as `getCountryByNationalNumber()` does. */
  leadingDigits: RegExp | null;
  possibleLengths: number[] | undefined;
  /** `^(?:national_number_pattern)$`. */
  general: RegExp;
  generalSource: string;
  /** Per national number length: a RegExp matching exactly the numbers `getNumberType()` gives a type; null: none. */
  typedByLength: Map<number, RegExp | null>;
  types: { pattern: string; lengths: number[] | undefined }[] | null;
}

/** What `checkNumberLength()` answers, for the cases told apart here. */
type LengthCheck = 'IS_POSSIBLE' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** A branch of the library that is not mirrored: the caller asks the library. */
const ASK_LIBRARY = Symbol('ask the library');

export class PhoneFastPath {
  private readonly metadata: MetadataInternals;
  private readonly plans = new Map<string, CompiledPlan | null>();

  /** `enabled` is false when this libphonenumber-js version lacks a method used here: everything then goes to the library. */
  readonly enabled: boolean;

  constructor(private readonly json: MetadataJson = maxMetadata) {
    this.metadata = new Metadata(json) as unknown as MetadataInternals;
    this.enabled = this.compile('US') !== null && this.compile('GB') !== null;
  }

  /**
   * The E.164 form of `digits` (ASCII digits, optionally after one leading `+`) when the number is certainly
   * valid and that is what libphonenumber-js would give; otherwise undefined.
   */
  e164(digits: string, defaultRegion: CountryCode | undefined): string | undefined {
    if (!this.enabled || digits.length > MAX_INPUT_LENGTH) return undefined;
    if (digits.charCodeAt(0) === 43 /* + */) {
      if (digits.charCodeAt(1) === 48 /* 0 */) return undefined;
      let countries: string[] | undefined;
      let ccLength = 1;
      for (; ccLength <= 3 && ccLength < digits.length; ccLength++) {
        const callingCode = digits.slice(1, 1 + ccLength);
        countries = this.json.country_calling_codes[callingCode];
        if (countries !== undefined || this.json.nonGeographic?.[callingCode] !== undefined) break;
      }
      if (countries === undefined || countries.length === 0 || (countries.length === 1 && countries[0].length === 3)) return undefined;
      const main = this.compile(countries[0]);
      if (main === null) return undefined;
      return this.finish(main, digits.slice(1 + ccLength), main);
    }
    if (defaultRegion === undefined) return undefined;
    const plan = this.compile(defaultRegion);
    if (plan === null || digits.search(plan.iddPrefix) === 0) return undefined;
    if (digits.startsWith(plan.callingCode)) {
      // extractCountryCallingCodeFromInternationalNumberWithoutPlusSign()
      const shorter = digits.slice(plan.callingCode.length);
      const shorterNational = this.extractNationalNumber(shorter, plan);
      const wholeNational = this.extractNationalNumber(digits, plan);
      if (shorterNational === ASK_LIBRARY || wholeNational === ASK_LIBRARY) return undefined;
      if ((!plan.general.test(wholeNational) && plan.general.test(shorterNational)) || checkNumberLength(wholeNational, plan) === 'TOO_LONG') {
        const main = this.compile(plan.countries[0]);
        return main === null ? undefined : this.finish(main, shorter, main);
      }
    }
    return this.finish(plan, digits, plan);
  }

  /**
   * `number` read with the numbering plan `selected` (its national prefix stripped), its country found, and the
   * result checked: the E.164 form when valid, else undefined. `fallback`: the country when none is found.
   */
  private finish(selected: CompiledPlan, number: string, fallback: CompiledPlan): string | undefined {
    const national = this.extractNationalNumber(number, selected);
    if (national === ASK_LIBRARY || national.length < MIN_LENGTH_FOR_NSN || national.length > MAX_LENGTH_FOR_NSN) return undefined;
    const found = this.countryOf(national, selected);
    if (found === ASK_LIBRARY) return undefined;
    // A country found by its number type is valid already (isValid() is getNumberType() !== undefined there).
    const valid = found !== undefined && found.byType ? true : this.isValid(found?.plan ?? fallback, national);
    return valid ? '+' + selected.callingCode + national : undefined;
  }

  /** extractNationalNumber(number, undefined, metadata with `plan` selected): the national (significant) number. */
  private extractNationalNumber(number: string, plan: CompiledPlan): string | typeof ASK_LIBRARY {
    if (plan.nationalPrefix === null) return number;
    const match = plan.nationalPrefix.exec(number);
    if (match === null) return number;
    const capturedGroups = match.length - 1;
    const hasCapturedGroups = capturedGroups > 0 && !!match[capturedGroups];
    if (plan.hasTransformRule && hasCapturedGroups) return ASK_LIBRARY;
    const national = number.slice(match[0].length);
    if (national === number) return number;
    // shouldHaveExtractedNationalPrefix()
    if (plan.general.test(number) && !plan.general.test(national)) return number;
    if (plan.possibleLengths !== undefined) {
      const found = this.countryOf(national, plan);
      if (found === ASK_LIBRARY) return ASK_LIBRARY;
      const check = checkNumberLength(national, found?.plan ?? plan);
      if (check === 'TOO_SHORT' || check === 'INVALID_LENGTH') return number;
    }
    return national;
  }

  /**
   * getCountryByCallingCode(plan's calling code, national number): the country's plan, and whether it was chosen
   * because getNumberType() found a type; undefined when no country is found.
   */
  private countryOf(national: string, plan: CompiledPlan): { plan: CompiledPlan; byType: boolean } | undefined | typeof ASK_LIBRARY {
    const { countries } = plan;
    if (countries.length === 1) {
      const only = countries[0] === plan.country ? plan : this.compile(countries[0]);
      return only === null ? ASK_LIBRARY : { plan: only, byType: false };
    }
    for (const country of countries) {
      const candidate = country === plan.country ? plan : this.compile(country);
      if (candidate === null) return ASK_LIBRARY;
      if (candidate.leadingDigits !== null) {
        if (national !== '' && national.search(candidate.leadingDigits) === 0) return { plan: candidate, byType: false };
      } else if (candidate.types !== null && this.hasType(candidate, national)) {
        return { plan: candidate, byType: true };
      }
    }
    return undefined;
  }

  /** isValid(): getNumberType() !== undefined with number types, the national number pattern without. */
  private isValid(plan: CompiledPlan, national: string): boolean {
    return plan.types === null ? plan.general.test(national) : this.hasType(plan, national);
  }

  /** getNumberType(national, plan's country) !== undefined. */
  private hasType(plan: CompiledPlan, national: string): boolean {
    const length = national.length;
    let regex = plan.typedByLength.get(length);
    if (regex === undefined) {
      regex = compileTypedPattern(plan, length);
      plan.typedByLength.set(length, regex);
    }
    return regex !== null && regex.test(national);
  }

  private compile(country: string): CompiledPlan | null {
    let plan = this.plans.get(country);
    if (plan === undefined) {
      plan = this.compileUncached(country);
      this.plans.set(country, plan);
    }
    return plan;
  }

  private compileUncached(country: string): CompiledPlan | null {
    if (this.json.countries[country as CountryCode] === undefined) return null;
    try {
      this.metadata.selectNumberingPlan(country);
      const numberingPlan = this.metadata.numberingPlan;
      if (numberingPlan === undefined) return null;
      const callingCode = numberingPlan.callingCode();
      const nationalPrefix = numberingPlan.nationalPrefixForParsing();
      const leadingDigits = numberingPlan.leadingDigits();
      const types = numberingPlan.hasTypes()
        ? NUMBER_TYPES.flatMap((name) => {
            const type = numberingPlan.type(name);
            const pattern = type?.pattern();
            return type !== undefined && pattern ? [{ pattern, lengths: type.possibleLengths() }] : [];
          })
        : null;
      const general = numberingPlan.nationalNumberPattern();
      const countries = this.json.country_calling_codes[callingCode];
      if (typeof callingCode !== 'string' || typeof general !== 'string' || countries === undefined || !(countries as string[]).includes(country)) return null;
      return {
        country,
        callingCode,
        countries,
        iddPrefix: new RegExp(numberingPlan.IDDPrefix()),
        nationalPrefix: nationalPrefix ? new RegExp('^(?:' + nationalPrefix + ')') : null,
        hasTransformRule: !!numberingPlan.nationalPrefixTransformRule(),
        leadingDigits: leadingDigits ? new RegExp(leadingDigits) : null,
        possibleLengths: numberingPlan.possibleLengths() ?? undefined,
        general: new RegExp('^(?:' + general + ')$'),
        generalSource: general,
        typedByLength: new Map(),
        types,
      };
    } catch {
      return null; // an unexpected metadata shape: leave this country to the library
    }
  }
}

/** checkNumberLength(national, undefined type, plan's country). */
function checkNumberLength(national: string, plan: CompiledPlan): LengthCheck {
  const lengths = plan.possibleLengths;
  if (lengths === undefined) return 'IS_POSSIBLE';
  const length = national.length;
  if (lengths[0] === length) return 'IS_POSSIBLE';
  if (lengths[0] > length) return 'TOO_SHORT';
  if (lengths[lengths.length - 1] < length) return 'TOO_LONG';
  return lengths.indexOf(length, 1) >= 0 ? 'IS_POSSIBLE' : 'INVALID_LENGTH';
}

function compileTypedPattern(plan: CompiledPlan, length: number): RegExp | null {
  if (plan.types === null) return null;
  const alternatives = plan.types.filter((type) => type.lengths === undefined || type.lengths.includes(length)).map((type) => '(?:' + type.pattern + ')');
  if (alternatives.length === 0) return null;
  // The national number pattern must match entirely too: a lookahead anchored at both ends.
  return new RegExp('^(?=(?:' + plan.generalSource + ')$)(?:' + alternatives.join('|') + ')$');
}
