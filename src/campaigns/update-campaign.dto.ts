import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { CampaignSharingFieldsDto } from './campaign-sharing';

/** PATCH /status/{requestId}: what may change while a campaign runs (every field optional). */
export class UpdateCampaignDto extends PickType(CampaignSharingFieldsDto, ['priority', 'weight'] as const) {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: true, example: 10, description: 'Most slots its calls hold at once; null removes the cap' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @Max(100_000, { message: 'must be at most 100000' })
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer, 1 or more, or null' })
  maxConcurrentCalls?: number | null;
}
