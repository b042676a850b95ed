import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { FieldError } from '../common/field-error';
import { integerFromText } from '../common/text-values';

/** An absolute instant: ISO 8601 with its offset (Z or ±hh:mm), so that no server's time zone decides it. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const INSTANT_MESSAGE = 'must be an ISO 8601 date and time with its offset, such as 2027-01-15T09:00:00+08:00';

/**
 * How a campaign shares the organization's slots with its other campaigns, and when it may dial (README
 * "Several campaigns at once"); the same fields in POST /call and the CSV form.
 */
export class CampaignSharingFieldsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10, example: 5, description: '1 (lowest) … 10 (highest), default 5: free slots go to the highest priority with calls waiting' })
  @IsOptional()
  @Transform(integerFromText)
  @Max(10, { message: 'must be at most 10' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer from 1 to 10' })
  priority?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, example: 1, description: 'Share of the slots against the campaigns of the same priority (default 1); e.g. 2 gets twice the slots of a 1' })
  @IsOptional()
  @Transform(integerFromText)
  @Max(100, { message: 'must be at most 100' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer from 1 to 100' })
  weight?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 10, description: "Most slots this campaign's calls hold at once (default: only the organization's limit)" })
  @IsOptional()
  @Transform(integerFromText)
  @Max(100_000, { message: 'must be at most 100000' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer, 1 or more' })
  maxConcurrentCalls?: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-01-15T09:00:00+08:00', description: 'Nothing is dialed before it: the calls wait as scheduled (calling hours still apply after it)' })
  @IsOptional()
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  @IsString({ message: INSTANT_MESSAGE })
  startAt?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2027-01-17T18:00:00+08:00', description: 'Calls not placed by then (retries included) end as expired, and the campaign completes' })
  @IsOptional()
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  @IsString({ message: INSTANT_MESSAGE })
  expiresAt?: string;
}

export interface CampaignSharing {
  priority: number;
  weight: number;
  maxConcurrentCalls: number | null;
  startAt: Date | null;
  expiresAt: Date | null;
}

/** The fields as stored, with their defaults, or the reasons they cannot be (each naming its field). */
export function campaignSharingOf(fields: CampaignSharingFieldsDto, now: Date): { value: CampaignSharing; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const instant = (field: 'startAt' | 'expiresAt'): Date | null => {
    const text = fields[field];
    if (text === undefined) return null;
    const time = Date.parse(text);
    if (Number.isNaN(time)) errors.push({ field, message: `is not a date that exists: ${text}` });
    return Number.isNaN(time) ? null : new Date(time);
  };
  const startAt = instant('startAt');
  const expiresAt = instant('expiresAt');
  if (expiresAt && expiresAt <= now) errors.push({ field: 'expiresAt', message: `is not in the future (now is ${now.toISOString()})` });
  else if (expiresAt && startAt && expiresAt <= startAt) errors.push({ field: 'expiresAt', message: 'must be after startAt' });
  return {
    value: { priority: fields.priority ?? 5, weight: fields.weight ?? 1, maxConcurrentCalls: fields.maxConcurrentCalls ?? null, startAt, expiresAt },
    errors,
  };
}

/** What goes into the body's hash: the fields given (absent ones stay absent, as in earlier bodies), instants in UTC. */
export function sharingFieldsGiven(fields: CampaignSharingFieldsDto, value: CampaignSharing): Record<string, number | string> {
  const given: Record<string, number | string> = {};
  for (const key of ['priority', 'weight', 'maxConcurrentCalls'] as const) if (fields[key] !== undefined) given[key] = value[key]!;
  for (const key of ['startAt', 'expiresAt'] as const) if (value[key]) given[key] = value[key]!.toISOString();
  return given;
}
