import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `page` and `perPage` of every paged list (GET /status, the do-not-call list, …). */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1, example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be 1 or more' })
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100, example: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be 1 or more' })
  @Max(1000, { message: 'must be at most 1000' })
  perPage = 100;
}
