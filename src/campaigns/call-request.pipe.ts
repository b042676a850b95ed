import { Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldValidationException } from '../common/api-error';
import { flattenValidationErrors, VALIDATOR_OPTIONS } from '../common/validation.pipe';
import { CreateCallRequestDto } from './create-call-request.dto';

/**
 * Validates POST /call's top-level fields with the DTO's decorators, without the deep copy the global
 * ValidationPipe makes of the whole body: `destinations` (up to 100,000) and `callFlow` are checked by
 * validateDestinations and normalizeCallFlow, which also keep only the fields they know.
 */
@Injectable()
export class CallRequestPipe implements PipeTransform<unknown, CreateCallRequestDto> {
  transform(body: unknown): CreateCallRequestDto {
    const { destinations, callFlow, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const dto = plainToInstance(CreateCallRequestDto, rest);
    Object.assign(dto, { destinations, callFlow });
    const errors = validateSync(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new FieldValidationException(flattenValidationErrors(errors));
    return dto;
  }
}
