import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class UpdateUsageDto {
  @ApiProperty({ description: "Calls the organization's other apps have going right now", example: 2 })
  @IsInt({ message: 'must be an integer' })
  @Min(0, { message: 'must be 0 or more' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  externalOngoingCalls: number;
}
