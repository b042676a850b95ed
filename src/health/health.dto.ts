import { ApiProperty } from '@nestjs/swagger';

/** GET /health when PostgreSQL and Redis both answer. */
export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
  @ApiProperty({ enum: ['up'], example: 'up' }) postgres: 'up';
  @ApiProperty({ enum: ['up'], example: 'up' }) redis: 'up';
}
