import { CampaignSharingFieldsDto } from '../campaigns/campaign-sharing';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { CallFlowReferenceDto } from '../call-flows/call-flows.dto';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf, validateSync } from 'class-validator';
import { CountryCode } from 'libphonenumber-js';
import { E164_PATTERN } from '../call-flow/normalize-call-flow';
import { FieldValidationException } from '../common/api-error';
import { FieldError } from '../common/field-error';
import { flattenValidationErrors, VALIDATOR_OPTIONS } from '../common/validation.pipe';
import { E164_MESSAGE } from '../campaigns/validate-destinations';
import { CallingHours, validateCallingHours } from '../compliance/calling-hours';
import { RetryPolicy, validateRetryPolicy } from '../compliance/retry-policy';
import { MachineDetection, validateMachineDetection } from '../voice/machine-detection';
import { booleanFromText, COUNTRY_CODE_MESSAGE, COUNTRY_CODES } from '../common/text-values';
import { CSV_ENCODINGS, CsvEncoding } from './csv-text-decoder';


/** The text fields of POST /call/csv (multipart/form-data); the CSV itself is the `file` part. */
export class CsvUploadFieldsDto extends IntersectionType(CampaignSharingFieldsDto, CallFlowReferenceDto) {
  @ApiProperty({ example: 'debtors-2026-11' })
  @Length(1, 200, { message: 'must be 1 to 200 characters' })
  @IsString({ message: 'must be a string' })
  requestId: string;

  @ApiPropertyOptional({ description: 'The call flow as JSON text, exactly as in POST /call; or send callFlowId instead', example: '{"steps":[{"name":"play","message":{"msg":"Hello {{name}}"}}]}' })
  // Without callFlowId it is required, with the message it always had.
  @ValidateIf((fields: CsvUploadFieldsDto) => fields.callFlow !== undefined || fields.callFlowId === undefined)
  @IsString({ message: 'must be the call flow as JSON text' })
  callFlow?: string;


  @ApiPropertyOptional({ example: '+6582674904', description: 'Caller id for rows without a caller column or value' })
  @IsOptional()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  caller?: string;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  enableCallRecording?: boolean;

  @ApiPropertyOptional({ type: String, example: 'SG', description: 'ISO 3166 country of numbers written in national format' })
  @IsOptional()
  @IsIn(COUNTRY_CODES, { message: COUNTRY_CODE_MESSAGE })
  defaultRegion?: CountryCode;

  @ApiPropertyOptional({
    enum: CSV_ENCODINGS,
    example: 'windows-1252',
    description:
      'The encoding the file was saved in (any case). Left out: UTF-16 when the file starts with a UTF-16 byte-order mark, else UTF-8. A byte-order mark that contradicts it is refused',
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(CSV_ENCODINGS, { message: `must be one of ${CSV_ENCODINGS.join(', ')}` })
  encoding?: CsvEncoding;

  @ApiPropertyOptional({ description: 'Retries per outcome as JSON text, as in POST /call', example: '{"busy": {"maxAttempts": 3}}' })
  @IsOptional()
  @IsString({ message: 'must be the retry settings as JSON text' })
  retry?: string;

  @ApiPropertyOptional({ description: 'Calling hours as JSON text, as in POST /call', example: '{"start": "09:00", "end": "20:00", "days": ["mon","tue","wed","thu","fri"]}' })
  @IsOptional()
  @IsString({ message: 'must be the calling hours as JSON text' })
  callingHours?: string;

  @ApiPropertyOptional({ description: 'Answering-machine handling as JSON text, as in POST /call', example: '{"ifMachine": "hangup", "machineTimeout": 3000}' })
  @IsOptional()
  @IsString({ message: 'must be the machine detection settings as JSON text' })
  machineDetection?: string;

  @ApiPropertyOptional({ example: 'https://crm.example.com/robocall/events', description: "Also send this campaign's status callbacks here, as in POST /call" })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  @IsString({ message: 'must be a URL' })
  statusCallbackUrl?: string;

  @ApiPropertyOptional({ example: false, description: 'true: only say what would happen to each row; nothing is stored' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  dryRun?: boolean;

  @ApiPropertyOptional({ example: false, description: 'true: invalid rows are left out and listed; false (default): any invalid row refuses the whole upload' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  skipInvalidRows?: boolean;
}

/** The whole form as OpenAPI shows it: the fields and the file part (which is read separately). */
export class CsvUploadFormDoc extends CsvUploadFieldsDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The CSV: a header row, a phone column, one row per debtor (see README)' })
  file: unknown;
}

export interface CsvUploadFields {
  requestId: string;
  /** Parsed, not yet validated: the campaign service checks it like POST /call's. Undefined with callFlowId. */
  callFlow?: unknown;
  callFlowId?: string;
  callFlowVersion?: number;
  retry?: RetryPolicy;
  callingHours?: CallingHours;
  machineDetection?: MachineDetection;
  statusCallbackUrl?: string;
  /** Priority, weight, cap, start and expiry as given (checked with the campaign: campaignSharingOf). */
  sharing: CampaignSharingFieldsDto;
  caller?: string;
  enableCallRecording: boolean;
  defaultRegion?: CountryCode;
  /** Undefined: by the file's byte-order mark, else UTF-8. */
  encoding?: CsvEncoding;
  skipInvalidRows: boolean;
  dryRun: boolean;
}

/** A form field holding JSON text, parsed then checked by `validate`; undefined when absent or refused (the reasons go to `errors`). */
function jsonField<T>(name: string, text: string | undefined, validate: (value: unknown) => { value?: T; errors: FieldError[] }, errors: FieldError[]): T | undefined {
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    errors.push({ field: name, message: `is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
  const checked = validate(parsed);
  errors.push(...checked.errors);
  return checked.value;
}

/** Checks the form's text fields; unknown fields are refused (a typo must not silently change how an upload is treated). */
export function parseCsvUploadFields(raw: Record<string, string>): CsvUploadFields {
  const dto = plainToInstance(CsvUploadFieldsDto, raw);
  const errors: FieldError[] = flattenValidationErrors(validateSync(dto, { ...VALIDATOR_OPTIONS, forbidNonWhitelisted: true }));
  const callFlow = jsonField('callFlow', dto.callFlow, (value) => ({ value, errors: [] }), errors);
  const retry = jsonField('retry', dto.retry, (value) => validateRetryPolicy(value), errors);
  const callingHours = jsonField('callingHours', dto.callingHours, (value) => validateCallingHours(value, 'callingHours'), errors);
  const machineDetection = jsonField('machineDetection', dto.machineDetection, (value) => validateMachineDetection(value), errors);
  if (errors.length > 0) throw new FieldValidationException(errors);
  return {
    requestId: dto.requestId,
    callFlow,
    ...(dto.callFlowId !== undefined && { callFlowId: dto.callFlowId }),
    ...(dto.callFlowVersion !== undefined && { callFlowVersion: dto.callFlowVersion }),
    retry,
    callingHours,
    machineDetection,
    statusCallbackUrl: dto.statusCallbackUrl,
    sharing: { priority: dto.priority, weight: dto.weight, maxConcurrentCalls: dto.maxConcurrentCalls, startAt: dto.startAt, expiresAt: dto.expiresAt },
    caller: dto.caller,
    enableCallRecording: dto.enableCallRecording ?? false,
    defaultRegion: dto.defaultRegion,
    encoding: dto.encoding,
    skipInvalidRows: dto.skipInvalidRows ?? false,
    dryRun: dto.dryRun ?? false,
  };
}
