import { ApiProperty } from '@nestjs/swagger';

/** `pagination` of every paged answer (GET /status, GET /campaigns, the do-not-call list). */
export class PaginationDto {
  @ApiProperty({ example: 1, minimum: 1 })
  page: number;

  @ApiProperty({ example: 100, minimum: 1, maximum: 1000 })
  perPage: number;

  @ApiProperty({ example: 2, minimum: 0, description: 'Items that match (all of them without filters)' })
  total: number;

  @ApiProperty({ example: 1, minimum: 0 })
  totalPages: number;
}
