import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STEP_NAMES } from '../call-flow/call-flow.types';
import { FieldErrorDto } from '../common/api-error.dto';
import { PaginationDto } from '../common/pagination.dto';
import { CALL_OUTCOMES } from '../voice/voice-provider';

/**
 * The OpenAPI description of what toStatusView, toCampaignView and toDetailView (campaign-status.view.ts)
 * and the other campaign routes answer: one class per shape, used by the controllers' @ApiOkResponse.
 * The e2e suites check every answer against these schemas (test/support/contract.ts).
 */

export const REQUEST_STATUSES = ['submitted', 'onProgress', 'paused', 'completed', 'cancelled'] as const;
export const CALL_PROGRESS_VALUES = ['queued', 'scheduled', 'onProgress', 'completed', 'cancelled', 'suppressed', 'expired'] as const;
export const CALL_STATES = ['queued', 'paused', 'scheduled', 'dialing', 'ringing', 'ongoing', 'ended'] as const;
export const STEP_STATUSES = ['in_progress', 'success_ok', 'no_input', 'failed', 'interrupted'] as const;
export const RECORDING_ENDED_BY = ['key', 'silence', 'maxLength', 'hangup'] as const;
export const TRANSCRIPTION_STATUSES = ['pending', 'done', 'failed'] as const;
export const RECORDING_STATUSES = ['initialised', 'recording', 'done', 'failed'] as const;
export const TRANSFER_STATUSES = ['answered', 'busy', 'no_answer', 'failed'] as const;

const ISO_TIME = '2026-11-20T09:30:00.000Z';

export class CampaignSummaryDto {
  @ApiProperty({ example: 2 }) total: number;
  @ApiProperty({ example: 0, description: 'Not dialed yet (queued, paused or scheduled)' }) queued: number;
  @ApiProperty({ example: 0, description: 'Between dialing and ended' }) inProgress: number;
  @ApiProperty({ example: 2 }) ended: number;
  @ApiProperty({ example: 2 }) answered: number;
  @ApiProperty({ example: 0 }) busy: number;
  @ApiProperty({ example: 0 }) no_answer: number;
  @ApiProperty({ example: 0 }) failed: number;
  @ApiProperty({ example: 0 }) cancelled: number;
  @ApiProperty({ example: 0, description: 'Never dialed: on the do-not-call list' }) suppressed: number;
  @ApiProperty({ example: 0, description: 'Not placed before the campaign expired (expiresAt)' }) expired: number;
  @ApiProperty({ example: 0, description: 'Calls that left a message at a record step' }) leftMessage: number;
}

/** A campaign without its destinations (GET /campaigns, pause, resume, cancel). */
export class CampaignViewDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ enum: REQUEST_STATUSES, example: 'completed' }) status: string;
  @ApiProperty({ enum: ['api', 'csv'], example: 'api', description: 'POST /call or POST /call/csv' }) source: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: null, description: 'The saved call flow the campaign was started with (callFlowId); null: the flow was sent with it' })
  callFlowId: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: null, description: 'The version of that saved call flow; null when callFlowId is' }) callFlowVersion: number | null;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10, example: 5, description: 'Free slots go to the highest priority with calls waiting (PATCH /status/{requestId} changes it)' }) priority: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'Share of the slots against the campaigns of the same priority' }) weight: number;
  @ApiProperty({ type: 'integer', nullable: true, example: null, description: "Most slots its calls hold at once; null: only the organization's limit" }) maxConcurrentCalls: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'Nothing dialed before it' }) startAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'Calls not placed by then end as expired' }) expiresAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', example: ISO_TIME }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) completedAt: Date | null;
  @ApiProperty({ type: CampaignSummaryDto }) summary: CampaignSummaryDto;
}

export class StepRecordingDto {
  @ApiProperty({ example: 'sim-rec-1' }) id: string;
  @ApiProperty({ example: 4.2 }) durationSeconds: number;
  @ApiProperty({ enum: RECORDING_ENDED_BY, example: 'silence' }) endedBy: string;
  @ApiProperty({ enum: ['done'], example: 'done' }) status: string;
  @ApiPropertyOptional({ example: '/status/request_10/calls/0190f3c2-7d4e-7a51-9c1e-2b3c4d5e6f70/steps/2/recording.wav', description: 'Its audio through this API (with the API key)' })
  file?: string;
}

export class StepTranscriptionDto {
  @ApiProperty({ enum: TRANSCRIPTION_STATUSES, example: 'done' }) status: string;
  @ApiProperty({ type: String, nullable: true, example: 'I will pay on Friday' }) text: string | null;
}

export class StepInfoDto {
  @ApiProperty({ enum: CALL_STATES, example: 'ongoing', description: 'Where the call was when the step was recorded' }) call_state: string;
  @ApiProperty({ enum: CALL_OUTCOMES, nullable: true, example: 'answered' }) call_status: string | null;
  @ApiProperty({ enum: STEP_STATUSES, example: 'success_ok' }) status: string;
  @ApiProperty({ example: '1', description: 'The accepted key of a gather, empty otherwise' }) userPressedDigits: string;
  @ApiProperty({ enum: TRANSFER_STATUSES, nullable: true, example: null, description: 'Transfer steps only' }) transfer_status: string | null;
  @ApiPropertyOptional({ example: 'thanks Alex', description: 'The rendered text of a play or gather' }) message?: string;
  @ApiPropertyOptional({ type: Boolean, example: true, description: 'A gather whose callee chose an opt-out branch (the number is on the do-not-call list)' }) optOut?: boolean;
  @ApiPropertyOptional({ type: StepRecordingDto, description: 'Record steps that captured audio' }) recording?: StepRecordingDto;
  @ApiPropertyOptional({ type: StepTranscriptionDto, description: 'Record steps with `transcribe` that captured audio' }) transcription?: StepTranscriptionDto;
}

export class CallFlowStepDto {
  @ApiProperty({ enum: STEP_NAMES, example: 'play' }) stepName: string;
  @ApiProperty({ example: 'steps[0]' }) path: string;
  @ApiProperty({ type: String, format: 'date-time', example: ISO_TIME }) startedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) endedAt: string | null;
  @ApiProperty({ type: StepInfoDto }) info: StepInfoDto;
}

export class MonitorLegDto {
  @ApiProperty({ example: 'sim-0190f3c2' }) uuid: string;
  @ApiProperty({ enum: ['outbound', 'transfer'], example: 'outbound' }) type: string;
  @ApiProperty({ example: '+84917660247' }) dest: string;
}

export class AttemptRecordDto {
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ enum: CALL_OUTCOMES, example: 'busy' }) outcome: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) dialedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: ISO_TIME }) endedAt: string;
  @ApiProperty({ type: String, nullable: true, example: null }) reason: string | null;
}

/** A call's recording (campaigns with enableCallRecording), with `file`: its audio through this API. */
export class CallRecordingDto {
  @ApiProperty({ example: 'rec-1' }) id: string;
  @ApiProperty({ enum: RECORDING_STATUSES, example: 'done' }) status: string;
  @ApiProperty({ example: 12, description: 'Seconds' }) duration: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) createdAt: string | null;
  @ApiProperty({ example: '/status/request_10/calls/0190f3c2-7d4e-7a51-9c1e-2b3c4d5e6f70/recordings/rec-1.wav' }) file: string;
}

/** One destination's call (toDetailView). */
export class CallDetailDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ format: 'uuid', example: '0190f3c2-7d4e-7a51-9c1e-2b3c4d5e6f70' }) callId: string;
  @ApiProperty({ example: '+6582674904' }) caller: string;
  @ApiProperty({ example: '+84917660247' }) destination: string;
  @ApiProperty({ enum: CALL_PROGRESS_VALUES, example: 'completed' }) status: string;
  @ApiProperty({ enum: CALL_STATES, example: 'ended' }) call_state: string;
  @ApiProperty({ enum: CALL_OUTCOMES, nullable: true, example: 'answered' }) call_status: string | null;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiPropertyOptional({ type: [AttemptRecordDto], description: 'Earlier attempts (retries), oldest first' }) attemptHistory?: AttemptRecordDto[];
  @ApiPropertyOptional({ type: String, format: 'date-time', example: ISO_TIME, description: 'When a scheduled call is due' }) nextAttemptAt?: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) dialedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) answeredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: ISO_TIME }) endedAt: string | null;
  @ApiPropertyOptional({ example: 'on the do-not-call list' }) failureReason?: string;
  @ApiProperty({ type: [CallFlowStepDto] }) callFlowSteps: CallFlowStepDto[];
  @ApiProperty({ type: [MonitorLegDto] }) monitorData: MonitorLegDto[];
  @ApiPropertyOptional({ type: [CallRecordingDto], description: 'Campaigns with enableCallRecording, once read from the platform' }) recordings?: CallRecordingDto[];
}

/** The contract's status document (toStatusView): POST /call and GET /status/{requestId}. */
export class StatusDocumentDto extends CampaignViewDto {
  @ApiProperty({ type: [CallDetailDto], description: 'One page of the destinations' }) details: CallDetailDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class ImportRowErrorDto {
  @ApiProperty({ type: 'integer', nullable: true, example: 3, description: '1-based (the header is line 1); null for a problem of the whole file' }) line: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'phone' }) column: string | null;
  @ApiProperty({ type: String, nullable: true, example: '12' }) value: string | null;
  @ApiProperty({ example: 'must be an E.164 phone number such as +6588893322' }) message: string;
}

export class ImportReportDto {
  @ApiProperty({ example: 3 }) rowsRead: number;
  @ApiProperty({ example: 2 }) rowsAccepted: number;
  @ApiProperty({ example: 1 }) rowsRejected: number;
  @ApiProperty({ type: [ImportRowErrorDto], description: 'The first rejected rows (at most 100)' }) errors: ImportRowErrorDto[];
}

/** POST /call/csv: the status document and the import report (null for a campaign submitted before reports were kept). */
export class CsvStatusDocumentDto extends StatusDocumentDto {
  @ApiProperty({ type: ImportReportDto, nullable: true }) importReport: ImportReportDto | null;
}

export class CampaignListDto {
  @ApiProperty({ type: [CampaignViewDto] }) campaigns: CampaignViewDto[];
  @ApiProperty({ type: PaginationDto }) pagination: PaginationDto;
}

export class TimelinePointDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-20T09:30:00.000Z' }) at: string;
  @ApiProperty({ example: 2 }) started: number;
  @ApiProperty({ example: 1 }) ended: number;
  @ApiProperty({ example: 1 }) answered: number;
  @ApiProperty({ example: 0 }) busy: number;
  @ApiProperty({ example: 0 }) no_answer: number;
  @ApiProperty({ example: 0 }) failed: number;
}

export class TimelineDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ example: 60 }) bucketSeconds: number;
  @ApiProperty({ type: [TimelinePointDto], description: 'Empty buckets included' }) points: TimelinePointDto[];
}

/** POST /call?dryRun=true: what would happen to each destination; nothing is stored. */
export class DryRunDto {
  @ApiProperty({ enum: [true], example: true }) dryRun: boolean;
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ example: false, description: 'A campaign with this requestId exists already' }) requestIdInUse: boolean;
  @ApiProperty({ example: 2, description: 'Destinations sent' }) destinations: number;
  @ApiProperty({ example: 1, description: 'Would be released at once (as slots allow)' }) wouldDialNow: number;
  @ApiProperty({ example: 0, description: 'Would wait for their calling hours' }) scheduled: number;
  @ApiProperty({ example: 1, description: 'On the do-not-call list: would never be dialed' }) suppressed: number;
  @ApiProperty({ example: 0 }) rejected: number;
  @ApiProperty({ type: [FieldErrorDto], description: 'Why destinations would be rejected (the first 100)' }) errors: FieldErrorDto[];
  @ApiProperty({ example: 0 }) errorCount: number;
}

/** POST /call/csv with dryRun=true. */
export class CsvDryRunDto {
  @ApiProperty({ enum: [true], example: true }) dryRun: boolean;
  @ApiProperty({ example: 'debtors-2026-11' }) requestId: string;
  @ApiProperty({ example: false }) requestIdInUse: boolean;
  @ApiProperty({ example: 3, description: 'Rows read' }) destinations: number;
  @ApiProperty({ example: 2 }) wouldDialNow: number;
  @ApiProperty({ example: 0 }) scheduled: number;
  @ApiProperty({ example: 0 }) suppressed: number;
  @ApiProperty({ example: 1 }) rejected: number;
  @ApiProperty({ type: [ImportRowErrorDto], description: 'The first rejected rows (at most 100)' }) errors: ImportRowErrorDto[];
  @ApiProperty({ example: 1 }) errorCount: number;
}

/** An error of a refused CSV upload: a field error; on `file`, it also says where (line, column, value). */
export class CsvFieldErrorDto {
  @ApiProperty({ example: 'file' }) field: string;
  @ApiProperty({ example: 'must be an E.164 phone number such as +6588893322' }) message: string;
  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 3, description: '1-based (the header is line 1)' }) line?: number | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'phone' }) column?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '12' }) value?: string | null;
}

/** A refused CSV upload (400): the error shape, each row error, and the import report. */
export class CsvUploadErrorDto {
  @ApiProperty({ enum: ['bad_request'], example: 'bad_request' }) status: string;
  @ApiProperty({ example: '1 of 3 rows are invalid, so nothing was stored (send skipInvalidRows=true to import the valid rows only); first at line 3, column phone: must be an E.164 phone number' })
  message: string;
  @ApiPropertyOptional({ type: [CsvFieldErrorDto] }) errors?: CsvFieldErrorDto[];
  @ApiPropertyOptional({ example: 1 }) errorCount?: number;
  @ApiPropertyOptional({ type: ImportReportDto }) importReport?: ImportReportDto;
}

/** GET /status/{requestId}/calls/{callId}/recordings. */
export class CallRecordingsDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ format: 'uuid', example: '0190f3c2-7d4e-7a51-9c1e-2b3c4d5e6f70' }) callId: string;
  @ApiProperty({ type: [CallRecordingDto] }) recordings: CallRecordingDto[];
}

/** GET /status/{requestId}/calls/{callId}/steps/{seq}/transcription: what a callee left at a record step. */
export class LeftMessageDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ format: 'uuid', example: '0190f3c2-7d4e-7a51-9c1e-2b3c4d5e6f70' }) callId: string;
  @ApiProperty({ example: 2, description: "The step's position in callFlowSteps" }) seq: number;
  @ApiProperty({ example: 'steps[2]' }) path: string;
  @ApiProperty({ type: StepRecordingDto }) recording: StepRecordingDto;
  @ApiProperty({ type: StepTranscriptionDto, nullable: true }) transcription: StepTranscriptionDto | null;
}
