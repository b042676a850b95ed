import { HttpException, HttpStatus } from '@nestjs/common';
import { FieldError } from './field-error';

const MAX_LISTED_ERRORS = 100;

/** The one error body of this API: the contract's `{status, message}`, plus the offending fields when there are some. */
export interface ErrorBody {
  status: string;
  message: string;
  errors?: FieldError[];
  errorCount?: number;
}

export const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'internal_error',
  501: 'not_implemented',
  503: 'service_unavailable',
};

/** A 400 that names every offending field and why (the first 100 are listed; errorCount has the total). */
export class FieldValidationException extends HttpException {
  constructor(errors: FieldError[], summary = 'Validation failed') {
    const listed = errors.slice(0, MAX_LISTED_ERRORS);
    const first = listed.slice(0, 3).map((e) => `${e.field}: ${e.message}`).join('; ');
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
    const body: ErrorBody = { status: STATUS_CODES[400], message: `${summary}: ${first}${more}`, errors: listed, errorCount: errors.length };
    super(body, HttpStatus.BAD_REQUEST);
  }
}
