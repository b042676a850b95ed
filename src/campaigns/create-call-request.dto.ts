import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { CallFlowReferenceDto } from '../call-flows/call-flows.dto';
import { Transform } from 'class-transformer';
import { CampaignSharingFieldsDto } from './campaign-sharing';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { booleanFromText } from '../common/text-values';

export const MAX_DESTINATIONS = 100_000;


/** Documentation of one destination; each is checked by validateDestinations (see there why). */
export class DestinationDto {
  @ApiProperty({ example: '+84917660247', pattern: '^\\+?[1-9]\\d{1,14}$' })
  phone: string;

  @ApiProperty({ example: '+6582674904', pattern: '^\\+?[1-9]\\d{1,14}$' })
  caller: string;

  @ApiPropertyOptional({ example: { name: 'Alex', dueDate: 'August 20th, 2020', amount: '200,000$' } })
  properties?: Record<string, unknown>;
}

/** POST /call's body; the flow is `callFlow` or a saved one (`callFlowId`, `callFlowVersion`). */
export class CreateCallRequestDto extends IntersectionType(CampaignSharingFieldsDto, CallFlowReferenceDto) {
  @ApiProperty({ example: 'request_10', description: 'Unique per organization; resending the same body is harmless' })
  @Length(1, 200, { message: 'must be 1 to 200 characters' })
  @IsString({ message: 'must be a string' })
  requestId: string;

  @ApiProperty({ type: [DestinationDto] })
  // Decorators apply bottom-up, and only the first failure per field is reported: the type check goes last.
  @ArrayMaxSize(MAX_DESTINATIONS, { message: `must contain at most ${MAX_DESTINATIONS} destinations` })
  @ArrayMinSize(1, { message: 'must contain at least one destination' })
  @IsArray({ message: 'must be an array of destinations' })
  destinations: unknown[];

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @Transform(booleanFromText) // the contract's example sends "true"/"false" strings
  @IsBoolean({ message: 'must be true or false' })
  enableCallRecording?: boolean;

  @ApiPropertyOptional({
    description: 'Retries per outcome (see README); absent: no retries. {} gives the defaults.',
    example: { busy: { maxAttempts: 3, delaySeconds: 300 }, no_answer: { maxAttempts: 3, delaySeconds: 600 }, backoff: 'exponential' },
  })
  @IsOptional()
  retry?: unknown;

  @ApiPropertyOptional({
    description: "Calling hours in each callee's local time (see README); absent: the organization's default, if any",
    example: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'], timezone: 'Asia/Singapore' },
  })
  @IsOptional()
  callingHours?: unknown;

  @ApiPropertyOptional({
    description: 'What to do when an answering machine picks up (voice platforms that detect machines: MessageBird); absent: the deployment default',
    example: { ifMachine: 'hangup', machineTimeout: 3000 },
  })
  @IsOptional()
  machineDetection?: unknown;

  @ApiPropertyOptional({
    example: 'https://crm.example.com/robocall/events',
    description: "Also send this campaign's status callbacks (every event type) here, signed with the organization's status-callback secret (README \"Status callbacks\"); https:// only",
  })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  @IsString({ message: 'must be a URL' })
  statusCallbackUrl?: string;

  @ApiPropertyOptional({
    description: 'The call flow: steps of play / gather / transfer / record (see README); or send callFlowId (a saved call flow) instead',
    example: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
  })
  // Without callFlowId it is required, with the message it always had.
  @ValidateIf((body: CreateCallRequestDto) => body.callFlow !== undefined || body.callFlowId == null)
  @IsObject({ message: 'must be an object with a "steps" array' })
  callFlow?: Record<string, unknown>;

}
