import { CALL_PROGRESS_VALUES } from './campaign-status.dto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CALL_OUTCOMES, CallOutcome } from '../voice/voice-provider';
import { CallProgress } from './call.entity';
import { booleanFromText, PHONE_DIGITS, PHONE_DIGITS_MESSAGE } from '../common/text-values';
import { PageQueryDto } from '../common/page-query.dto';

const CALL_PROGRESS: readonly CallProgress[] = CALL_PROGRESS_VALUES;

/** GET /status paging, with optional filters of the details (the summary always covers the whole campaign). */
export class StatusQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CALL_PROGRESS, description: "Only destinations with this status" })
  @IsOptional()
  @IsIn(CALL_PROGRESS, { message: `must be one of ${CALL_PROGRESS.join(', ')}` })
  status?: CallProgress;

  @ApiPropertyOptional({ enum: CALL_OUTCOMES, description: 'Only destinations whose call ended with this outcome (call_status)' })
  @IsOptional()
  @IsIn(CALL_OUTCOMES, { message: `must be one of ${CALL_OUTCOMES.join(', ')}` })
  outcome?: CallOutcome;

  @ApiPropertyOptional({ example: '8889', description: 'Only destinations whose number contains these digits' })
  @IsOptional()
  @Matches(PHONE_DIGITS, { message: PHONE_DIGITS_MESSAGE })
  phone?: string;

  @ApiPropertyOptional({ example: true, description: 'true: only destinations that left a message at a record step; false: only those that did not' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  leftMessage?: boolean;
}

export class TimelineQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 10, maximum: 86_400, default: 60, example: 60, description: 'Width of one bucket in seconds (10 to 86400)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(10, { message: 'must be 10 or more' })
  @Max(86_400, { message: 'must be at most 86400' })
  bucketSeconds = 60;
}

export class DryRunQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'true: only say what would happen to each destination; nothing is stored' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  dryRun = false;
}
