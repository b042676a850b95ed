import { E164_PATTERN } from '../call-flow/normalize-call-flow';
import { FieldError } from '../common/field-error';

export interface Destination {
  phone: string;
  caller: string;
  properties: Record<string, unknown>;
  /** Calling hours: the callee's zones, and when the call may first be placed if not at once. */
  timeZones?: readonly string[];
  nextAttemptAt?: Date | null;
}

export const E164_MESSAGE = 'must be an E.164 phone number such as +6588893322 (pattern ^\\+?[1-9]\\d{1,14}$)';

/**
 * Placeholder values are spoken as text, so nesting is of no use; a value nested thousands of levels
 * deep overflowed the stack while the campaign was hashed and stored (a 500).
 */
export const MAX_PROPERTY_DEPTH = 32;

/** Without recursion (the point is to refuse what recursion cannot handle); `properties` itself is level 1. */
function nestedDeeperThan(root: object, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks every destination and keeps only the fields we use. Written by hand rather than as nested
 * class-validator DTOs: a campaign may have 100,000 destinations, and building and validating an
 * instance per destination cost more than storing them.
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
    for (const [field, value] of [['phone', phone], ['caller', caller]] as const) {
      if (typeof value !== 'string') errors.push({ field: `destinations[${i}].${field}`, message: 'must be a string' });
      else if (!E164_PATTERN.test(value)) errors.push({ field: `destinations[${i}].${field}`, message: E164_MESSAGE });
    }
    if (properties !== undefined && properties !== null && !isPlainObject(properties)) {
      errors.push({ field: `destinations[${i}].properties`, message: 'must be an object of placeholder values' });
    } else if (isPlainObject(properties) && nestedDeeperThan(properties, MAX_PROPERTY_DEPTH)) {
      errors.push({ field: `destinations[${i}].properties`, message: `must not nest values more than ${MAX_PROPERTY_DEPTH} levels deep` });
    }
    if (errors.length === before) {
      destinations.push({ phone: phone as string, caller: caller as string, properties: (properties as Record<string, unknown>) ?? {} });
      indexes.push(i);
    }
  });
  return { destinations, indexes, errors };
}
