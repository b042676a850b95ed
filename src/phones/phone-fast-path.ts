import type { CountryCode, MetadataJson } from 'libphonenumber-js/core';
import { Metadata } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';

/*
 * A shortcut for the common case of phone normalization, giving exactly what libphonenumber-js gives.
 *
 * parsePhoneNumberWithError() + isValid() cost about 4 µs per number, most of it generic work (option objects,
 * a Metadata object and a RegExp built per call), which put a million rows at 7-8 s. For a number whose country
 * is known without ambiguity and which has no national prefix to strip, libphonenumber's answer comes down to
 * matching the national number against the country's patterns; this module does that match with RegExps compiled
 * once per country, from the same metadata, in about 0.3 µs.
 *
 * It only ever says "valid, and this is its E.164 form". Whenever the library could take another branch (a
 * calling code shared by several countries, a national or international prefix to strip, a length out of range)
 * or the number does not match, it returns undefined and the caller asks libphonenumber-js itself, which also
 * words the error. phone-fast-path.spec.ts compares the two on numbers of every country.
 *
 * The steps mirror libphonenumber-js 1.x `parse()` (v2) and `PhoneNumber.isValid()`:
 *   - `+` number: `extractCountryCallingCode` takes the shortest prefix (1-3 digits) that is a calling code;
 *   - national number with a default country: `stripIddPrefix` applies when the country's IDD prefix matches at
 *     the start; `extractCountryCallingCodeFromInternationalNumberWithoutPlusSign` when it starts with the
 *     country's calling code;
 *   - `extractNationalNumber` strips a national prefix only when `^(?:national_prefix_for_parsing)` matches;
 *   - `getCountryByCallingCode` picks the only country of a calling code;
 *   - the national number must have 2-17 digits (MIN/MAX_LENGTH_FOR_NSN);
 *   - `isValid()` (`getNumberType() !== undefined`): the country's national number pattern matches entirely and
 *     so does the pattern of at least one number type whose possible lengths include the number's length.
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

interface CompiledPlan {
  callingCode: string;
  /** Whether the calling code belongs to this country alone. */
  soleCountry: boolean;
  iddPrefix: RegExp;
  nationalPrefix: RegExp | null;
  /** Per national number length: one RegExp that matches exactly the valid numbers of that length; null: none. */
  validByLength: Map<number, RegExp | null>;
  general: string;
  types: { pattern: string; lengths: number[] | undefined }[] | null;
}

export class PhoneFastPath {
  private readonly metadata: MetadataInternals;
  private readonly plans = new Map<string, CompiledPlan | null>();

  /** `enabled` is false when this libphonenumber-js version lacks a method used here: everything then goes to the library. */
  readonly enabled: boolean;

  constructor(private readonly json: MetadataJson = maxMetadata) {
    this.metadata = new Metadata(json) as unknown as MetadataInternals;
    this.enabled = this.compile('US') !== null;
  }

  /**
   * The E.164 form of `digits` (ASCII digits, optionally after one leading `+`) when the number is certainly
   * valid and that is what libphonenumber-js would give; otherwise undefined.
   */
  e164(digits: string, defaultRegion: CountryCode | undefined): string | undefined {
    if (!this.enabled) return undefined;
    if (digits.charCodeAt(0) === 43 /* + */) {
      if (digits.charCodeAt(1) === 48 /* 0 */) return undefined;
      let countries: string[] | undefined;
      let ccLength = 1;
      for (; ccLength <= 3 && ccLength < digits.length; ccLength++) {
        const callingCode = digits.slice(1, 1 + ccLength);
        countries = this.json.country_calling_codes[callingCode];
        if (countries !== undefined || this.json.nonGeographic?.[callingCode] !== undefined) break;
      }
      if (countries === undefined || countries.length !== 1) return undefined;
      const plan = this.compile(countries[0]);
      const nationalNumber = digits.slice(1 + ccLength);
      if (plan === null || (plan.nationalPrefix !== null && plan.nationalPrefix.test(nationalNumber))) return undefined;
      return this.isValid(plan, nationalNumber) ? digits : undefined;
    }
    if (defaultRegion === undefined) return undefined;
    const plan = this.compile(defaultRegion);
    if (
      plan === null ||
      !plan.soleCountry ||
      digits.search(plan.iddPrefix) === 0 ||
      digits.startsWith(plan.callingCode) ||
      (plan.nationalPrefix !== null && plan.nationalPrefix.test(digits))
    ) {
      return undefined;
    }
    return this.isValid(plan, digits) ? '+' + plan.callingCode + digits : undefined;
  }

  private isValid(plan: CompiledPlan, nationalNumber: string): boolean {
    const length = nationalNumber.length;
    if (length < MIN_LENGTH_FOR_NSN || length > MAX_LENGTH_FOR_NSN) return false;
    let regex = plan.validByLength.get(length);
    if (regex === undefined) {
      regex = compileValidPattern(plan, length);
      plan.validByLength.set(length, regex);
    }
    return regex !== null && regex.test(nationalNumber);
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
      const types = numberingPlan.hasTypes()
        ? NUMBER_TYPES.flatMap((name) => {
            const type = numberingPlan.type(name);
            const pattern = type?.pattern();
            return type !== undefined && pattern ? [{ pattern, lengths: type.possibleLengths() }] : [];
          })
        : null;
      const general = numberingPlan.nationalNumberPattern();
      if (typeof callingCode !== 'string' || typeof general !== 'string') return null;
      return {
        callingCode,
        soleCountry: this.json.country_calling_codes[callingCode]?.length === 1,
        iddPrefix: new RegExp(numberingPlan.IDDPrefix()),
        nationalPrefix: nationalPrefix ? new RegExp('^(?:' + nationalPrefix + ')') : null,
        validByLength: new Map(),
        general,
        types,
      };
    } catch {
      return null; // an unexpected metadata shape: leave this country to the library
    }
  }
}

function compileValidPattern(plan: CompiledPlan, length: number): RegExp | null {
  if (plan.types === null) return new RegExp('^(?:' + plan.general + ')$');
  const alternatives = plan.types.filter((type) => type.lengths === undefined || type.lengths.includes(length)).map((type) => '(?:' + type.pattern + ')');
  if (alternatives.length === 0) return null;
  // The general pattern must match entirely too: a lookahead anchored at both ends.
  return new RegExp('^(?=(?:' + plan.general + ')$)(?:' + alternatives.join('|') + ')$');
}
