import { ApiProperty } from '@nestjs/swagger';

/** GET and PUT /organization/usage: the organization's slots (free = limit − other apps' ongoing calls − ours). */
export class UsageDto {
  @ApiProperty({ example: 6, description: 'Concurrent calls the organization may have' }) limit: number;
  @ApiProperty({ example: 2, description: "Other apps' ongoing calls" }) externalOngoingCalls: number;
  @ApiProperty({ enum: ['reported', 'messagebird', 'bird'], example: 'reported', description: 'Where externalOngoingCalls comes from: PUT /organization/usage, or the calls counted at the voice platform' })
  externalSource: 'reported' | 'messagebird' | 'bird';
  @ApiProperty({ example: 1, description: 'Ours, between dialing and ended' }) ongoingCalls: number;
  @ApiProperty({ example: 3 }) free: number;
  @ApiProperty({ example: 40, description: 'Ours not dialed yet (queued, paused or scheduled)' }) queuedCalls: number;
}
