import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_CODES } from './api-error';

/** One offending field of a refused request (OpenAPI documentation of FieldError). */
export class FieldErrorDto {
  @ApiProperty({ example: 'destinations[3].phone', description: 'Path of the offending field' })
  field: string;

  @ApiProperty({ example: 'must be an E.164 phone number such as +6588893322 (pattern ^\\+?[1-9]\\d{1,14}$)' })
  message: string;
}

/** The one error body of this API (OpenAPI documentation of ErrorBody). */
export class ApiErrorDto {
  @ApiProperty({ enum: Object.values(STATUS_CODES), example: 'bad_request', description: 'The HTTP status as a word' })
  status: string;

  @ApiProperty({ example: 'Validation failed: destinations[3].phone: must be an E.164 phone number such as +6588893322 (pattern ^\\+?[1-9]\\d{1,14}$)' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'A 400: the offending fields (the first 100)' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ example: 1, description: 'A 400: how many fields are wrong in all' })
  errorCount?: number;
}
