import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldValidationException } from './api-error';
import { flattenValidationErrors, knownFieldsOf, unknownBodyFields, VALIDATOR_OPTIONS } from './validation.pipe';

/**
 * Validates a JSON body's top-level fields with its DTO's decorators without the deep copy the global
 * ValidationPipe makes (see CallRequestPipe why): only scalar fields go through class-transformer; object
 * fields (a call flow, properties) are assigned as given, for the code that checks them by hand. A field the
 * DTO does not declare is a 400 naming it, listed with the other top-level problems.
 */
export function validateShallowBody<T extends object>(dto: ClassConstructor<T>, body: unknown): T {
  const fields = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const unknown = unknownBodyFields(fields, dto);
  const known = new Set(knownFieldsOf(dto));
  const scalars: Record<string, unknown> = {};
  const objects: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) continue;
    const value = fields[key];
    if (typeof value === 'object' && value !== null) objects[key] = value;
    else scalars[key] = value;
  }
  const instance = plainToInstance(dto, scalars);
  Object.assign(instance, objects);
  const errors = [...unknown, ...flattenValidationErrors(validateSync(instance, VALIDATOR_OPTIONS))];
  if (errors.length > 0) throw new FieldValidationException(errors);
  return instance;
}
