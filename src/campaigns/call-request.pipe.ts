import { Injectable, PipeTransform } from '@nestjs/common';
import { validateShallowBody } from '../common/shallow-body';
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
    return validateShallowBody(CreateCallRequestDto, body);
  }
}
