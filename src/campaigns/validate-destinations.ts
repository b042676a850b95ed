import { E164_PATTERN } from '../call-flow/normalize-call-flow';
import { isSpeakableValue, RESERVED_PROPERTY_NAMES } from '../call-flow/message-templates';
import { Destination } from '../common/destination';
import { FieldError } from '../common/field-error';
import { unknownFieldErrors } from '../common/unknown-fields';

/** The fields of one destination; any other is refused by name (a misspelt `propertes` must not be dropped). */
export const DESTINATION_FIELDS = ['phone', 'caller', 'properties'] as const;

export const PROPERTY_VALUE_MESSAGE = 'must be text, a number or true/false (it is spoken as written)';

export const E164_MESSAGE = 'must be an E.164 phone number such as +6588893322 (pattern ^\\+?[1-9]\\d{1,14}$)';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks every destination and keeps only the fields we use. Written by hand rather than as nested
 * class-validator DTOs: a campaign may have 100,000 destinations, and building and validating an
 * instance per destination cost more than storing them.
 *
 * Property values are spoken: text, numbers and booleans are (as written: `200`, `true`); an object,
 * an array or null would be "[object Object]" or nothing, so each is refused by its path
 * (`destinations[0].properties.name`), and so are the names `__proto__`, `constructor` and `prototype`.
 * A value is never walked into, so nesting of any depth costs nothing.
 */
export function validateDestinations(raw: unknown[]): { destinations: Destination[]; indexes: number[]; errors: FieldError[] } {
  const destinations: Destination[] = [];
  /** Each valid destination's index in `raw`. */
  const indexes: number[] = [];
  const errors: FieldError[] = [];
  raw.forEach((item, i) => {
    if (!isPlainObject(item)) {
      errors.push({ field: `destinations[${i}]`, message: 'must be an object with phone, caller and properties' });
      return;
    }
    const { phone, caller, properties } = item;
    const before = errors.length;
    errors.push(...unknownFieldErrors(item, DESTINATION_FIELDS, `destinations[${i}]`));
    for (const [field, value] of [['phone', phone], ['caller', caller]] as const) {
      if (typeof value !== 'string') errors.push({ field: `destinations[${i}].${field}`, message: 'must be a string' });
      else if (!E164_PATTERN.test(value)) errors.push({ field: `destinations[${i}].${field}`, message: E164_MESSAGE });
    }
    if (properties !== undefined && properties !== null && !isPlainObject(properties)) {
      errors.push({ field: `destinations[${i}].properties`, message: 'must be an object of placeholder values' });
    } else if (isPlainObject(properties)) {
      for (const name of Object.keys(properties)) {
        const field = `destinations[${i}].properties.${name}`;
        if (RESERVED_PROPERTY_NAMES.has(name)) errors.push({ field, message: 'is a reserved name (__proto__, constructor and prototype cannot be placeholders); rename it' });
        else if (!isSpeakableValue(properties[name])) errors.push({ field, message: `${PROPERTY_VALUE_MESSAGE}; got ${kindOf(properties[name])}` });
      }
    }
    if (errors.length === before) {
      destinations.push({ phone: phone as string, caller: caller as string, properties: (properties as Record<string, unknown>) ?? {} });
      indexes.push(i);
    }
  });
  return { destinations, indexes, errors };
}

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value === 'number' ? `the number ${value}` : typeof value;
