import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ErrorBody, FieldValidationException } from './api-error';
import { FieldError } from './field-error';
import { unknownFieldErrors } from './unknown-fields';

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

/**
 * Unknown fields of JSON bodies are refused before these options apply (see BodyValidationPipe); in query
 * strings they are dropped. One reason per field (a missing array is "must be an array", not also "at most
 * 100000 items").
 */
export const VALIDATOR_OPTIONS = { whitelist: true, stopAtFirstError: true, forbidUnknownValues: false };

const knownFields = new WeakMap<Function, readonly string[]>();

/** The fields a DTO class declares: those with at least one class-validator decorator (what `whitelist` keeps), in declaration order. */
export function knownFieldsOf(dto: Function): readonly string[] {
  let known = knownFields.get(dto);
  if (!known) {
    known = [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((metadata) => metadata.propertyName))];
    knownFields.set(dto, known);
  }
  return known;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every field of a JSON body that its DTO does not declare, named with a "did you mean" hint (issue 14). */
export function unknownBodyFields(body: unknown, dto: Function | undefined): FieldError[] {
  if (!dto || !isPlainObject(body)) return [];
  const known = knownFieldsOf(dto);
  return known.length === 0 ? [] : unknownFieldErrors(body, known, '');
}

/**
 * The global pipe: class-validator's rules, and for a JSON body (`@Body()` with a DTO) a 400 for every field the
 * DTO does not have, instead of `whitelist` dropping it silently (a misspelt setting must not be ignored).
 * The unknown fields are listed with the body's other problems, in the one error shape.
 */
export class BodyValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const unknown = metadata.type === 'body' ? unknownBodyFields(value, metadata.metatype) : [];
    if (unknown.length === 0) return super.transform(value, metadata);
    let others: FieldError[] = [];
    try {
      await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof FieldValidationException)) throw error;
      others = (error.getResponse() as ErrorBody).errors ?? [];
    }
    throw new FieldValidationException([...unknown, ...others]);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new BodyValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => new FieldValidationException(flattenValidationErrors(errors)),
  });
}
