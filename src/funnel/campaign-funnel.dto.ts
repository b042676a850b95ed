import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STEP_NAMES } from '../call-flow/call-flow.types';
import { REQUEST_STATUSES } from '../campaigns/campaign-status.dto';
import { ETA_REASONS } from './funnel-eta';

/**
 * The OpenAPI description of GET /status/{requestId}/funnel (CampaignFunnelService.funnel): one class per shape.
 * A box is a count with the link that exports its destinations as CSV.
 */

const ISO_TIME = '2026-11-20T09:30:00.000Z';
const EXPORT_EXAMPLE = '/status/request_10/export.csv?step=steps%5B1%5D&key=1';

export class FunnelBoxDto {
  @ApiProperty({ example: 42 }) count: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: EXPORT_EXAMPLE,
    description: 'GET this (relative to the API, with the API key) for the CSV of exactly these destinations; null when the box moves too fast to export (queued, in progress)',
  })
  export: string | null;
}

export class FunnelTotalsDto {
  @ApiProperty({ type: FunnelBoxDto, description: 'Every destination' }) total: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Not dialed yet (queued, paused or scheduled)' }) queued: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Between dialing and ended' }) inProgress: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Ended, whatever the outcome' }) ended: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) answered: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) busy: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) no_answer: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) failed: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) cancelled: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Never dialed: on the do-not-call list' }) suppressed: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Not placed before the campaign expired (expiresAt)' }) expired: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Left a message at a record step' }) leftMessage: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Chose an opt-out branch at a gather' }) optedOut: FunnelBoxDto;
}

export class FunnelWindowDto {
  @ApiProperty({ type: String, format: 'date-time', example: ISO_TIME }) opens: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-20T17:00:00.000Z' }) closes: string;
}

export class FunnelEtaBasisDto {
  @ApiProperty({ example: 1200, description: 'Calls not dialed yet (totals.queued)' }) queued: number;
  @ApiProperty({ example: 48.5, description: 'Calls of this campaign dialed per minute, over the last `rateWindowSeconds`' }) dialRatePerMinute: number;
  @ApiProperty({ example: 300, description: 'How long the dial rate was measured over (at most 5 minutes; less for a campaign that began dialing lately)' })
  rateWindowSeconds: number;
  @ApiProperty({ example: 10, description: "The organization's concurrent-call limit" }) slotLimit: number;
  @ApiProperty({ example: 0, description: "Slots free now: the limit less other apps' calls and this organization's ongoing calls" }) freeSlots: number;
  @ApiProperty({ type: Boolean, nullable: true, example: true, description: 'Whether the calling hours (the campaign’s, else the organization’s, in their own time zone) are open now; null: none apply' })
  callingHoursOpen: boolean | null;
  @ApiProperty({ type: FunnelWindowDto, nullable: true, description: 'The calling-hours window open now, or the next one; null without calling hours' })
  nextWindow: FunnelWindowDto | null;
}

export class FunnelKeyDto extends FunnelBoxDto {
  @ApiProperty({ example: '1', description: 'The accepted key; empty: no input' }) key: string;
  @ApiProperty({ type: 'integer', nullable: true, example: 0, description: 'The branch this key follows (no input: the default branch, if any)' }) branchIndex: number | null;
  @ApiProperty({ example: false, description: 'That branch opts the callee out' }) optOut: boolean;
}

export class FunnelGatherDto {
  @ApiProperty({ type: [FunnelKeyDto], description: 'One per branch digit in branch order, then no input (key "")' }) keys: FunnelKeyDto[];
  @ApiProperty({ type: FunnelBoxDto, description: 'Chose an opt-out branch here' }) optedOut: FunnelBoxDto;
}

export class FunnelTransferDto {
  @ApiProperty({ type: FunnelBoxDto }) answered: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Busy, no answer or failed' }) notAnswered: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) busy: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) no_answer: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) failed: FunnelBoxDto;
}

export class FunnelRecordDto {
  @ApiProperty({ type: FunnelBoxDto, description: 'Left a message (a recording with sound)' }) recorded: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'Its transcription is done (steps with transcribe)' }) transcribed: FunnelBoxDto;
}

export class FunnelOutcomesDto {
  @ApiProperty({ type: FunnelBoxDto }) success_ok: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) no_input: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto }) failed: FunnelBoxDto;
  @ApiProperty({ type: FunnelBoxDto, description: 'The call ended during the step' }) interrupted: FunnelBoxDto;
}

export class FunnelBranchOfDto {
  @ApiProperty({ example: 'steps[1]', description: 'The gather whose branch holds the step' }) step: string;
  @ApiProperty({ example: 0 }) branchIndex: number;
  @ApiProperty({ type: String, nullable: true, example: '1' }) digit: string | null;
  @ApiProperty({ example: false }) default: boolean;
}

export class FunnelStepDto {
  @ApiProperty({ example: 'steps[1]', description: 'Where the step sits in the flow, as `path` in callFlowSteps (e.g. steps[1].branches[0].steps[0])' }) path: string;
  @ApiProperty({ enum: STEP_NAMES, example: 'gather' }) stepName: string;
  @ApiProperty({ example: 0, description: 'How many gathers deep (0: a top-level step)' }) depth: number;
  @ApiProperty({ type: FunnelBranchOfDto, nullable: true, description: 'The branch the step is in; null at the top level' }) branchOf: FunnelBranchOfDto | null;
  @ApiPropertyOptional({ example: 'Press 1 to pay now', description: 'Play and gather: the message template' }) message?: string;
  @ApiPropertyOptional({ example: '+6588893322', description: 'Transfer: where to' }) destination?: string;
  @ApiProperty({ type: FunnelBoxDto, description: 'Calls whose current attempt reached the step' }) reached: FunnelBoxDto;
  @ApiProperty({ example: 0, description: 'Reached it and not finished yet' }) inProgress: number;
  @ApiProperty({ type: FunnelOutcomesDto, description: 'Finished, by info.status' }) outcomes: FunnelOutcomesDto;
  @ApiPropertyOptional({ type: FunnelGatherDto, description: 'Gather steps' }) gather?: FunnelGatherDto;
  @ApiPropertyOptional({ type: FunnelTransferDto, description: 'Transfer steps' }) transfer?: FunnelTransferDto;
  @ApiPropertyOptional({ type: FunnelRecordDto, description: 'Record steps' }) record?: FunnelRecordDto;
}

export class CampaignFunnelDto {
  @ApiProperty({ example: 'request_10' }) requestId: string;
  @ApiProperty({ enum: REQUEST_STATUSES, example: 'onProgress' }) status: string;
  @ApiProperty({ type: String, format: 'date-time', example: ISO_TIME, description: 'The instant the funnel is computed for: the current time rounded down to 5 seconds (an unchanged campaign answers the same funnel meanwhile)' }) at: string;
  @ApiProperty({ type: FunnelTotalsDto, description: 'The whole campaign, from its counters' }) totals: FunnelTotalsDto;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-20T09:55:00.000Z', description: 'When the last queued call should be dialed; null: see etaReason' })
  eta: string | null;
  @ApiProperty({ enum: ETA_REASONS, nullable: true, example: null, description: 'Why there is no ETA; null when there is one' }) etaReason: string | null;
  @ApiProperty({ type: FunnelEtaBasisDto, description: 'What the ETA was computed from' }) etaBasis: FunnelEtaBasisDto;
  @ApiProperty({ type: [FunnelStepDto], description: 'Every step of the flow, in flow order (pre-order: a gather, then its branches’ steps, then the next step)' })
  steps: FunnelStepDto[];
}
