import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';

/** PATCH /status/{requestId}: what may change while a campaign runs (every field optional). */
export class UpdateCampaignDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10, example: 9, description: '1 (lowest) … 10 (highest)' })
  @IsOptional()
  @Max(10, { message: 'must be at most 10' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer from 1 to 10' })
  priority?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, example: 2, description: 'Share of the slots against the campaigns of the same priority' })
  @IsOptional()
  @Max(100, { message: 'must be at most 100' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer from 1 to 100' })
  weight?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: true, example: 10, description: "Most slots its calls hold at once; null removes the cap" })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Max(100_000, { message: 'must be at most 100000' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer, 1 or more, or null' })
  maxConcurrentCalls?: number | null;
}
