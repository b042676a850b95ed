import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError } from './field-error';
import { FieldValidationException } from './api-error';

/** Turns class-validator's error tree into flat field paths such as `destinations[3].phone`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push({ field: path, message });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, path));
  }
  return out;
}

/** Unknown fields are dropped; one reason per field (a missing array is "must be an array", not also "at most 100000 items"). */
export const VALIDATOR_OPTIONS = { whitelist: true, stopAtFirstError: true, forbidUnknownValues: false };

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => new FieldValidationException(flattenValidationErrors(errors)),
  });
}
