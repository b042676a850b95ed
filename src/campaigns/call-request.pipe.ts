import { Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldValidationException } from '../common/api-error';
import { flattenValidationErrors, knownFieldsOf, unknownBodyFields, VALIDATOR_OPTIONS } from '../common/validation.pipe';
import { CreateCallRequestDto } from './create-call-request.dto';


/**
 * Validates POST /call's top-level fields with the DTO's decorators, without the deep copy the global
 * ValidationPipe makes of the whole body: `destinations` (up to 100,000) and `callFlow` are checked by
 * validateDestinations and normalizeCallFlow, which also keep only the fields they know.
 *
 * Only scalar fields go through class-transformer: it copies objects recursively (a 10,000-level
 * `retry` overflowed the stack: a 500) and assigns every key it is given, so a `constructor` or
 * `prototype` key replaced what class-validator reads the DTO's rules from (a 500 too). Object fields
 * (`retry`, `callingHours`, …) are checked by hand, as they are given. A field the DTO does not declare
 * (`callingHour`, `retyr`, a `__proto__` key) is a 400 naming it, with a "did you mean" hint, listed with
 * the other top-level problems; it is never copied (issue 14).
 */
@Injectable()
export class CallRequestPipe implements PipeTransform<unknown, CreateCallRequestDto> {
  transform(body: unknown): CreateCallRequestDto {
    const fields = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const unknown = unknownBodyFields(fields, CreateCallRequestDto);
    const known = new Set(knownFieldsOf(CreateCallRequestDto));
    const scalars: Record<string, unknown> = {};
    const objects: Record<string, unknown> = {};
    for (const key of Object.keys(fields)) {
      if (!known.has(key)) continue;
      const value = fields[key];
      if (typeof value === 'object' && value !== null) objects[key] = value;
      else scalars[key] = value;
    }
    const dto = plainToInstance(CreateCallRequestDto, scalars);
    Object.assign(dto, objects);
    const errors = [...unknown, ...flattenValidationErrors(validateSync(dto, VALIDATOR_OPTIONS))];
    if (errors.length > 0) throw new FieldValidationException(errors);
    return dto;
  }
}
