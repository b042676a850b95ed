// Property names that must never be set on a plain object: `__proto__` through an assignment changes the
// prototype, and the other two shadow what templating and serialisation code reads from objects. The same
// names are refused in POST /call's properties and in templates.
import { RESERVED_PROPERTY_NAMES } from '../call-flow/message-templates';
import { comparableHeader as comparable, PHONE_COLUMN_NAMES } from '../phones/phone-columns';
import { CsvFileError } from './csv-file-error';

/** Name of the optional caller column, compared case-insensitively after trimming. */
export const CALLER_COLUMN_NAME = 'caller';

/** A destination-property column: where its value is in a record, and the property keys it is stored under. */
export interface PropertyColumn {
  index: number;
  header: string;
  keys: string[];
}

/** What the header row says about the columns of every data row. */
export interface HeaderLayout {
  /** The header's 1-based line number. */
  line: number;
  fieldCount: number;
  phoneIndex: number;
  /** The phone column's header as written (trimmed), for row errors. */
  phoneHeader: string;
  /** -1 when there is no caller column. */
  callerIndex: number;
  callerHeader: string | null;
  properties: PropertyColumn[];
}

const isAllCaps = (word: string): boolean => word === word.toUpperCase() && word !== word.toLowerCase();

/**
 * The camelCase form of a header: split on every run of characters that are not letters or digits; the first
 * word is lower-cased entirely when it is ALL CAPS, else only its first letter is; each later word gets an
 * upper-case first letter and keeps the rest, except that an ALL CAPS word has the rest lower-cased.
 * `Due Date` → `dueDate`, `DUE_DATE` → `dueDate`, `Customer ID` → `customerId`, `firstName` → `firstName`.
 * Letters and digits are Unicode-aware, so `Nom du Débiteur` → `nomDuDébiteur`. Returns '' when the header has
 * no letter or digit at all.
 */
export function camelCaseKey(header: string): string {
  const words = header.split(/[^\p{L}\p{N}]+/u).filter((word) => word !== '');
  return words
    .map((word, i) => {
      const allCaps = isAllCaps(word);
      if (i === 0) return allCaps ? word.toLowerCase() : word.charAt(0).toLowerCase() + word.slice(1);
      return word.charAt(0).toUpperCase() + (allCaps ? word.slice(1).toLowerCase() : word.slice(1));
    })
    .join('');
}

const columnRole = (header: string): 'phone' | 'caller' | 'property' => {
  const lower = comparable(header);
  if (PHONE_COLUMN_NAMES.includes(lower)) return 'phone';
  if (lower === CALLER_COLUMN_NAME) return 'caller';
  return 'property';
};

/**
 * The property keys a column header gives: the header as written (trimmed), plus its camelCase form when that
 * differs (a name already in identifier-like camelCase, such as `amount` or `firstName`, is its own camelCase
 * form, so it gives one key). The phone and caller columns give no property, nor does an empty header.
 * The reader refuses headers whose keys collide or are reserved (see {@link analyzeHeader}).
 */
export function propertyNamesForHeader(header: string): string[] {
  const name = header.trim();
  if (name === '' || columnRole(name) !== 'property') return [];
  const camel = camelCaseKey(name);
  return camel === '' || camel === name ? [name] : [name, camel];
}

const quoted = (name: string): string => JSON.stringify(name);

/**
 * Reads the header row. Throws {@link CsvFileError} (with the header's line) when a column has no name, there is
 * no phone column or more than one, more than one caller column, two columns give the same property key, or a
 * column gives a reserved property name.
 */
export function analyzeHeader(fields: readonly string[], line: number): HeaderLayout {
  let phoneIndex = -1;
  let callerIndex = -1;
  const headers = fields.map((field) => field.trim());
  const properties: PropertyColumn[] = [];
  const keyOwners = new Map<string, string>();

  headers.forEach((header, index) => {
    if (header === '') {
      throw new CsvFileError(
        `column ${index + 1} of the header has no name${headers.length > 1 ? ` (the header is ${headers.map(quoted).join(', ')})` : ''}`,
        line,
      );
    }
    const role = columnRole(header);
    if (role === 'phone') {
      if (phoneIndex !== -1) {
        throw new CsvFileError(`the header has more than one phone column: ${quoted(headers[phoneIndex])} and ${quoted(header)}`, line);
      }
      phoneIndex = index;
      return;
    }
    if (role === 'caller') {
      if (callerIndex !== -1) {
        throw new CsvFileError(`the header has more than one caller column: ${quoted(headers[callerIndex])} and ${quoted(header)}`, line);
      }
      callerIndex = index;
      return;
    }
    const keys = propertyNamesForHeader(header);
    for (const key of keys) {
      if (RESERVED_PROPERTY_NAMES.has(key)) {
        // Named with its position and header (`column` of the error): a property name that would reach an object's prototype.
        throw new CsvFileError(
          key === header
            ? `column ${index + 1} ${quoted(header)} has a reserved name (__proto__, constructor and prototype cannot be placeholders); rename it`
            : `column ${index + 1} ${quoted(header)} gives the reserved property name ${quoted(key)}; rename it`,
          line,
          header,
        );
      }
      const owner = keyOwners.get(key);
      if (owner !== undefined) {
        throw new CsvFileError(`columns ${quoted(owner)} and ${quoted(header)} both give the property ${quoted(key)}`, line);
      }
      keyOwners.set(key, header);
    }
    properties.push({ index, header, keys });
  });

  if (phoneIndex === -1) {
    throw new CsvFileError(
      `the header has no phone column: name one column ${PHONE_COLUMN_NAMES.map(quoted).join(', ')} (any case, spaces allowed: "Phone Number"); ` +
        `the columns found are ${headers.map(quoted).join(', ')}`,
      line,
    );
  }
  return {
    line,
    fieldCount: headers.length,
    phoneIndex,
    phoneHeader: headers[phoneIndex],
    callerIndex,
    callerHeader: callerIndex === -1 ? null : headers[callerIndex],
    properties,
  };
}
