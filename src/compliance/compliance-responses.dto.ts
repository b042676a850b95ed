import { QUEUEING_DESCRIPTION, QUEUEING_MODES } from '../dispatcher/queueing-mode';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PaginationDto } from '../common/pagination.dto';
import { WEEKDAYS } from './calling-hours';

export class CallingHoursDto {
  @ApiProperty({ example: '09:00', description: '"HH:mm", 24 h, local time; inclusive' }) start: string;
  @ApiProperty({ example: '20:00', description: '"HH:mm", later than start; exclusive; "24:00" for the end of the day' }) end: string;
  @ApiProperty({ enum: WEEKDAYS, isArray: true, example: ['mon', 'tue', 'wed', 'thu', 'fri'] }) days: string[];
  @ApiPropertyOptional({ example: 'Asia/Singapore', description: 'IANA zone for destinations whose number tells no zone' }) timezone?: string;
}

/** GET and PUT /organization/settings. */
export class OrganizationSettingsViewDto {
  @ApiProperty({ type: Number, nullable: true, example: 3, description: 'Most calls started in any one second; null = no cap' }) callsPerSecond: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 3, description: 'Most calls started to one number per day; null = no cap' }) maxCallsPerNumberPerDay: number | null;
  @ApiProperty({ type: CallingHoursDto, nullable: true, description: 'Calling hours of campaigns that set none; null = any time' }) callingHours: CallingHoursDto | null;
  @ApiProperty({ enum: QUEUEING_MODES, example: 'fair', description: QUEUEING_DESCRIPTION }) queueing: string;
}

export class DoNotCallEntryDto {
  @ApiProperty({ example: '+6588893322' }) phone: string;
  @ApiProperty({ enum: ['api', 'csv', 'opt-out'], example: 'api', description: 'How it was added (opt-out: the callee pressed the opt-out key)' }) source: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-20T09:30:00.000Z' }) createdAt: Date;
}

/** GET /organization/dnc. */
export class DoNotCallListDto {
  @ApiProperty({ type: [DoNotCallEntryDto], description: 'Newest first' }) numbers: DoNotCallEntryDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class DoNotCallAddedDto {
  @ApiProperty({ example: 2, description: 'Numbers that were not on the list yet' }) added: number;
}

export class DoNotCallRemovedDto {
  @ApiProperty({ example: '+6588893322' }) removed: string;
}
