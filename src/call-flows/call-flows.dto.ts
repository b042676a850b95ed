import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Min, ValidateIf } from 'class-validator';
import { STEP_NAMES, TRANSCRIBE_LOCALES } from '../call-flow/call-flow.types';
import { PaginationDto } from '../common/pagination.dto';
import { integerFromText } from '../common/text-values';

/** The platforms a preview may check a flow against: VOICE_PROVIDER's values. */
export const PREVIEW_PLATFORMS = ['simulator', 'messagebird', 'bird'] as const;
export const TRANSFER_RESULTS = ['answered', 'busy', 'no_answer', 'failed'] as const;
export const PREVIEW_ENDINGS = ['end_of_flow', 'transferred', 'no_branch'] as const;

const FLOW_EXAMPLE = {
  steps: [
    { name: 'play', message: { msg: 'Dear {{name}}, this is a reminder from ACME.' } },
    {
      name: 'gather',
      maxRetries: 2,
      message: { msg: 'Press 1 to pay {{amount}} now, 0 for an agent, 9 to stop these calls' },
      branches: [
        { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you' } }] } },
        { digit: '0', default: true, callFlow: { steps: [{ name: 'transfer', destination: '+6591991191' }] } },
        { digit: '9', optOut: true, callFlow: { steps: [{ name: 'play', message: { msg: 'You will not be called again' } }] } },
      ],
    },
  ],
};
const CALL_FLOW_DOC = { type: 'object', additionalProperties: true, example: FLOW_EXAMPLE } as const;
const UUID_MESSAGE = 'must be the id (a uuid) of a saved call flow';


/** POST /call-flows. */
export class CreateSavedCallFlowDto {
  @ApiProperty({ example: 'Payment reminder', minLength: 1, maxLength: 200 })
  @Matches(/\S/, { message: 'must not be blank' })
  @Length(1, 200, { message: 'must be 1 to 200 characters' })
  @IsString({ message: 'must be a string' })
  title: string;

  @ApiProperty({ ...CALL_FLOW_DOC, description: "The call flow, exactly as POST /call's `callFlow` (see README \"Call flows\"); checked the same way" })
  @IsObject({ message: 'must be an object with a "steps" array' })
  callFlow: Record<string, unknown>;
}

/** PUT /call-flows/{id}: a new version. */
export class UpdateSavedCallFlowDto {
  @ApiPropertyOptional({ example: 'Payment reminder (v2)', minLength: 1, maxLength: 200, description: "Absent: the previous version's title" })
  @IsOptional()
  @Matches(/\S/, { message: 'must not be blank' })
  @Length(1, 200, { message: 'must be 1 to 200 characters' })
  @IsString({ message: 'must be a string' })
  title?: string;

  @ApiProperty({ ...CALL_FLOW_DOC, description: "The new version's call flow, exactly as POST /call's `callFlow`" })
  @IsObject({ message: 'must be an object with a "steps" array' })
  callFlow: Record<string, unknown>;
}

/** A saved call flow at one version. */
export class SavedCallFlowDto {
  @ApiProperty({ format: 'uuid', example: '0193a1b2-7c4d-4e8f-9a0b-1c2d3e4f5a6b' }) id: string;
  @ApiProperty({ example: 'Payment reminder' }) title: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'POST makes version 1; each PUT the next' }) version: number;
  @ApiProperty({ ...CALL_FLOW_DOC, description: 'As it was sent' }) callFlow: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', description: 'When the flow was first saved' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'When this version was saved' }) updatedAt: Date;
}

export class SavedCallFlowListDto {
  @ApiProperty({ type: [SavedCallFlowDto], description: 'Latest version of each, most recently updated first' }) items: SavedCallFlowDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class CallFlowVersionQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 1, description: 'Absent: the latest version' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be 1 or more' })
  version?: number;
}

/**
 * Where a campaign's or a preview's flow comes from: `callFlow` as sent, or `callFlowId` (+ `callFlowVersion`)
 * of a saved one. Exactly one of callFlow and callFlowId (callFlowSourceErrors says which is wrong).
 */
export class CallFlowReferenceDto {
  @ApiPropertyOptional({ format: 'uuid', example: '0193a1b2-7c4d-4e8f-9a0b-1c2d3e4f5a6b', description: 'A saved call flow (POST /call-flows) instead of `callFlow`' })
  @IsOptional()
  @IsUUID('all', { message: UUID_MESSAGE })
  callFlowId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 2, description: 'With callFlowId: which version (absent: the latest)' })
  @IsOptional()
  @Transform(integerFromText)
  @Min(1, { message: 'must be 1 or more' })
  @IsInt({ message: 'must be an integer' })
  callFlowVersion?: number;
}

/** POST /call-flows/preview and …/preview.wav. */
export class CallFlowPreviewRequestDto extends CallFlowReferenceDto {
  @ApiPropertyOptional({ ...CALL_FLOW_DOC, description: 'The flow to preview, as POST /call\'s `callFlow`; or send callFlowId' })
  @ValidateIf((body: CallFlowPreviewRequestDto) => body.callFlow !== undefined)
  @IsObject({ message: 'must be an object with a "steps" array' })
  callFlow?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { name: 'Alex', amount: '200,000$' }, description: "One imaginary callee's properties (as a destination's)" })
  @IsOptional()
  @IsObject({ message: 'must be an object of the callee\'s properties' })
  properties?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: [String],
    example: ['', '1'],
    description: 'The key the callee presses at each gather prompt, in order ("" = no input); a re-prompt takes the next one; prompts past the end get no input',
  })
  @IsOptional()
  @IsArray({ message: 'must be an array of keys ("0"-"9", "*", "#", or "" for no input)' })
  keys?: unknown[];

  @ApiPropertyOptional({ enum: PREVIEW_PLATFORMS, example: 'messagebird', description: "Whose limits to check the flow against (absent: this deployment's VOICE_PROVIDER)" })
  @IsOptional()
  @IsIn(PREVIEW_PLATFORMS, { message: `must be one of ${PREVIEW_PLATFORMS.join(', ')}` })
  platform?: (typeof PREVIEW_PLATFORMS)[number];

  @ApiPropertyOptional({ enum: TRANSFER_RESULTS, default: 'answered', description: 'What the transfer target does (an unanswered transfer goes on with the next step)' })
  @IsOptional()
  @IsIn(TRANSFER_RESULTS, { message: `must be one of ${TRANSFER_RESULTS.join(', ')}` })
  transferStatus?: (typeof TRANSFER_RESULTS)[number];
}

/** GET /call-flows/{id}/preview.wav: the preview's body as query parameters. */
export class CallFlowPreviewQueryDto extends CallFlowVersionQueryDto {
  @ApiPropertyOptional({ example: ',1', description: 'The keys pressed at each gather prompt, comma-separated (an empty entry = no input)' })
  @IsOptional()
  @IsString({ message: 'must be keys separated by commas' })
  keys?: string;

  @ApiPropertyOptional({ example: '{"name":"Alex","amount":"200,000$"}', description: "The imaginary callee's properties as JSON text (URL-encoded)" })
  @IsOptional()
  @IsString({ message: 'must be the properties as JSON text' })
  properties?: string;

  @ApiPropertyOptional({ enum: PREVIEW_PLATFORMS })
  @IsOptional()
  @IsIn(PREVIEW_PLATFORMS, { message: `must be one of ${PREVIEW_PLATFORMS.join(', ')}` })
  platform?: (typeof PREVIEW_PLATFORMS)[number];

  @ApiPropertyOptional({ enum: TRANSFER_RESULTS, default: 'answered' })
  @IsOptional()
  @IsIn(TRANSFER_RESULTS, { message: `must be one of ${TRANSFER_RESULTS.join(', ')}` })
  transferStatus?: (typeof TRANSFER_RESULTS)[number];
}

export class PreviewVoiceDto {
  @ApiPropertyOptional({ example: 'en-GB' }) language?: string;
  @ApiPropertyOptional({ enum: ['male', 'female'] }) gender?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 9 }) pitch?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 9 }) rate?: number;
}

export class PreviewPromptDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: '1 = the first prompt; 2 and more are retries' }) attempt: number;
  @ApiProperty({ example: 'Press 1 to pay 200,000$ now, 0 for an agent, 9 to stop these calls' }) text: string;
  @ApiProperty({ example: '', description: 'The key pressed ("" = no input)' }) key: string;
  @ApiProperty({ enum: ['follow', 'reprompt', 'hangup'], description: 'What the gather did with it' }) result: string;
}

export class PreviewBranchDto {
  @ApiProperty({ type: 'integer', example: 0 }) index: number;
  @ApiProperty({ example: 'callFlow.steps[1].branches[0]' }) path: string;
  @ApiPropertyOptional({ example: '1' }) digit?: string;
  @ApiProperty({ example: false }) default: boolean;
  @ApiProperty({ example: false }) optOut: boolean;
}

export class PreviewTransferDto {
  @ApiProperty({ example: '+6591991191' }) destination: string;
  @ApiProperty({ enum: TRANSFER_RESULTS, example: 'answered' }) status: string;
}

export class PreviewRecordDto {
  @ApiProperty({ type: 'integer', example: 60 }) maxLength: number;
  @ApiProperty({ type: 'integer', example: 5 }) timeout: number;
  @ApiProperty({ example: '#' }) endKey: string;
  @ApiProperty({ example: true }) beep: boolean;
  @ApiProperty({ example: false }) transcribe: boolean;
  @ApiProperty({ enum: TRANSCRIBE_LOCALES, example: 'en-US' }) transcribeLocale: string;
}

/** One step as it would run. */
export class PreviewStepDto {
  @ApiProperty({ type: 'integer', example: 0, description: 'Position in the run (as in callFlowSteps of GET /status)' }) seq: number;
  @ApiProperty({ example: 'callFlow.steps[1].branches[0].callFlow.steps[0]', description: "The step's field path, as in validation errors" }) path: string;
  @ApiProperty({ enum: STEP_NAMES, example: 'play' }) stepName: string;
  @ApiPropertyOptional({ example: 'Dear Alex, this is a reminder from ACME.', description: 'play and gather: the rendered message' }) text?: string;
  @ApiPropertyOptional({ type: PreviewVoiceDto, description: "play and gather: the message's voice settings, when it has any" }) voice?: PreviewVoiceDto;
  @ApiPropertyOptional({ type: [PreviewPromptDto], description: 'gather: each prompt played, with the key it got' }) prompts?: PreviewPromptDto[];
  @ApiPropertyOptional({ type: 'integer', example: 3, description: 'gather: prompts in all at most' }) maxRetries?: number;
  @ApiPropertyOptional({ example: '1', description: 'gather: the accepted key ("" = none: the default branch, or the end of the call)' }) key?: string;
  @ApiPropertyOptional({ type: PreviewBranchDto, nullable: true, description: 'gather: the branch followed; null: none (the call ends)' }) branch?: PreviewBranchDto | null;
  @ApiPropertyOptional({ example: false, description: 'gather: the branch followed puts the callee on the do-not-call list' }) optOut?: boolean;
  @ApiPropertyOptional({ type: PreviewTransferDto, description: 'transfer: where to, and what the target did' }) transfer?: PreviewTransferDto;
  @ApiPropertyOptional({ type: PreviewRecordDto, description: "record: the step's options (the imaginary callee stays silent)" }) record?: PreviewRecordDto;
}

export class PreviewOutcomeDto {
  @ApiProperty({ enum: PREVIEW_ENDINGS, example: 'end_of_flow', description: 'end_of_flow: the last step ran; transferred: an answered transfer took the call over; no_branch: a gather got no accepted key and has no default branch' })
  endedBy: string;
  @ApiProperty({ example: 'The flow ends after callFlow.steps[1].branches[0].callFlow.steps[0]: the call hangs up.' }) description: string;
  @ApiProperty({ example: false, description: 'The callee would be put on the do-not-call list' }) optOut: boolean;
  @ApiPropertyOptional({ example: '+6591991191', description: 'transferred: to whom' }) transferredTo?: string;
  @ApiProperty({ type: 'integer', example: 2, description: 'Keys taken by gather prompts' }) keysUsed: number;
  @ApiProperty({ type: [String], example: [], description: 'Keys sent that no prompt took' }) unusedKeys: string[];
}

export class CallFlowPreviewDto {
  @ApiProperty({ enum: PREVIEW_PLATFORMS, example: 'simulator', description: 'Whose limits the flow was checked against' }) platform: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'With callFlowId: the saved flow' }) callFlowId?: string;
  @ApiPropertyOptional({ type: 'integer', description: 'With callFlowId: its version' }) callFlowVersion?: number;
  @ApiProperty({ type: [PreviewStepDto], description: 'In the order they would run' }) steps: PreviewStepDto[];
  @ApiProperty({ type: PreviewOutcomeDto }) outcome: PreviewOutcomeDto;
}
