import type { CountryCode } from 'libphonenumber-js';
// Full ("max") metadata rather than the default "min". With "min", isValid() checks only a country's overall
// number pattern and lengths, so e.g. +65 8000 0000 passes although no Singapore range starts with 80; with "max"
// it checks the pattern of each number type (fixed line, mobile, toll free, ...), so numbers that cannot be called
// are caught before a campaign dials them. Measured on this machine, parse + isValid() cost about 3.3 µs per number
// with "min" and 4.1 µs with "max"; PhoneFastPath answers most numbers in about 0.3 µs from the same "max" data,
// so the accuracy costs almost nothing. "max" is 157 kB (40 kB gzipped) against 83 kB: irrelevant on a server.
import { isSupportedCountry, ParseError, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { PhoneFastPath } from './phone-fast-path';

export type PhoneResult = { ok: true; e164: string } | { ok: false; message: string };

/** E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all. */
export const E164_REGEX = /^\+[1-9]\d{1,14}$/;

/** Digits, whitespace, `-`, `.`, `(`, `)`, with at most a leading `+` (which may follow an opening parenthesis: `(+65) 8889 3322`). */
const ALLOWED = /^\(?\s*\+?[\d\s().-]*$/;
/** What a spreadsheet makes of a long number in a cell formatted as a number, e.g. 6.58889E+10. */
const SCIENTIFIC = /^\d(?:[.,]\d+)?E\+?\d+$/i;
/** `(0)`, the optional trunk prefix some people write after the country code: +44 (0)20 ..., +65 (0)8889 3322. */
const OPTIONAL_TRUNK_ZERO = /\(\s*0\s*\)/g;
const NOT_DIGIT_OR_PLUS = /[^\d+]/g;

let sharedFastPath: PhoneFastPath | undefined;

const PARSE_ERROR_MESSAGES: Record<string, string> = {
  INVALID_COUNTRY: 'does not start with a known country code',
  NOT_A_NUMBER: 'is not a phone number',
  TOO_SHORT: 'is too short to be a phone number',
  TOO_LONG: 'is too long to be a phone number',
};

/**
 * Returns a function that normalizes a phone number cell to E.164, or says in a short phrase (to follow the
 * column name) why it cannot: `is empty`, `is not a valid phone number for region SG`, ...
 *
 * Accepted: digits with spaces, dashes, dots and parentheses; international numbers with a leading `+` or `00`
 * (`0065 8889 3322`) or, with `defaultRegion`, the region's own international prefix (`0011 61 ...` in
 * Australia, `011 ...` in the US); a `(0)` trunk prefix anywhere is dropped; national numbers (`8889 3322`, `(415) 555-2671`)
 * when `defaultRegion` is given. The number must be valid by libphonenumber's full metadata (right length and
 * an allocated range for the country).
 */
export function createPhoneNormalizer(defaultRegion?: CountryCode): (raw: string) => PhoneResult {
  if (defaultRegion !== undefined && !isSupportedCountry(defaultRegion)) {
    throw new RangeError(`defaultRegion ${JSON.stringify(defaultRegion)} is not a supported ISO country code`);
  }
  const nationalHint = 'is in national format: set defaultRegion or write it as +<country code><number>';
  // Compiled patterns depend on the (immutable) metadata only, so one instance serves every file.
  const fastPath = (sharedFastPath ??= new PhoneFastPath());

  /** `digits`: ASCII digits, optionally after a leading `+`. */
  const normalizeDigits = (digits: string): PhoneResult => {
    const fast = fastPath.e164(digits, defaultRegion);
    if (fast !== undefined && E164_REGEX.test(fast)) return { ok: true, e164: fast };
    let e164: string;
    try {
      const parsed = parsePhoneNumberWithError(digits, defaultRegion);
      if (!parsed.isValid()) {
        const international = digits.charCodeAt(0) === 43; // '+'
        return { ok: false, message: international ? 'is not a valid phone number' : `is not a valid phone number for region ${defaultRegion}` };
      }
      e164 = parsed.number;
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      return { ok: false, message: PARSE_ERROR_MESSAGES[error.message] ?? 'is not a valid phone number' };
    }
    if (!E164_REGEX.test(e164)) return { ok: false, message: `is not a valid phone number (it gives ${e164}, which is not E.164)` };
    return { ok: true, e164 };
  };

  return (raw: string): PhoneResult => {
    const text = raw.trim();
    if (text === '') return { ok: false, message: 'is empty' };
    if (!ALLOWED.test(text)) {
      return {
        ok: false,
        message: SCIENTIFIC.test(text)
          ? 'looks like a number a spreadsheet turned into scientific notation; format the column as text and export again'
          : 'may only contain digits, spaces, dashes, dots, parentheses and a leading + or 00',
      };
    }
    const digits = (text.includes('(') ? text.replace(OPTIONAL_TRUNK_ZERO, '') : text).replace(NOT_DIGIT_OR_PLUS, '');
    // "00" followed by a country code (which never starts with 0) is the international prefix of most of the world.
    // Where the region's own prefix differs and also starts with 00 (0011 in Australia), that reading is tried next.
    if (digits.length > 2 && digits.charCodeAt(0) === 48 && digits.charCodeAt(1) === 48 && digits.charCodeAt(2) !== 48) {
      const asPlus = normalizeDigits('+' + digits.slice(2));
      if (asPlus.ok || defaultRegion === undefined) return asPlus;
      const viaRegionPrefix = normalizeDigits(digits);
      return viaRegionPrefix.ok ? viaRegionPrefix : asPlus;
    }
    if (digits.charCodeAt(0) !== 43 /* + */ && defaultRegion === undefined) return { ok: false, message: nationalHint };
    return normalizeDigits(digits);
  };
}
