import { CALL_PROGRESS_VALUES } from '../campaign-status.dto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CallFlow, GatherStep, StepName } from '../../call-flow/call-flow.types';
import { describeStepPath } from '../../call-flow/flow-interpreter';
import { FieldValidationException } from '../../common/api-error';
import { FieldError } from '../../common/field-error';
import { booleanFromText } from '../../common/text-values';
import { CALL_OUTCOMES, CallOutcome } from '../../voice/voice-provider';
import { COUNTER, stepCountersSql } from '../../funnel/funnel-counters';
import { CallProgress } from '../call.entity';

const CALL_PROGRESS: readonly CallProgress[] = CALL_PROGRESS_VALUES;
export const FINISHED_STEP_STATUSES = ['success_ok', 'no_input', 'failed', 'interrupted'] as const;
export const TRANSFER_RESULTS = ['answered', 'busy', 'no_answer', 'failed'] as const;

/**
 * GET /status/{requestId}/export.csv filters: the destinations of one funnel box (GET …/funnel gives each box's
 * link). Step filters match a call's current attempt exactly as the funnel counts it (funnel-counters.ts).
 */
export class ExportQueryDto {
  @ApiPropertyOptional({ example: 'steps[1]', description: 'Only destinations whose call reached this step (its `path` in callFlowSteps and in the funnel)' })
  @IsOptional()
  @IsString({ message: 'must be a step path such as steps[1]' })
  @MaxLength(300, { message: 'must be at most 300 characters' })
  step?: string;

  @ApiPropertyOptional({ example: '1', description: 'With `step` (a gather): only those whose accepted key there was this one; empty (`key=`): no input' })
  @IsOptional()
  @Matches(/^[0-9*#]?$/, { message: 'must be one key (0-9, * or #), or empty for no input' })
  key?: string;

  @ApiPropertyOptional({ enum: FINISHED_STEP_STATUSES, description: 'With `step`: only those whose step finished with this info.status' })
  @IsOptional()
  @IsIn(FINISHED_STEP_STATUSES, { message: `must be one of ${FINISHED_STEP_STATUSES.join(', ')}` })
  outcome?: (typeof FINISHED_STEP_STATUSES)[number];

  @ApiPropertyOptional({ enum: TRANSFER_RESULTS, description: 'With `step` (a transfer): only those whose transfer ended so' })
  @IsOptional()
  @IsIn(TRANSFER_RESULTS, { message: `must be one of ${TRANSFER_RESULTS.join(', ')}` })
  transfer?: (typeof TRANSFER_RESULTS)[number];

  @ApiPropertyOptional({ enum: ['true'], description: 'With `step` (a record step): only those who left a message there' })
  @IsOptional()
  @IsIn(['true'], { message: 'must be true' })
  recorded?: 'true';

  @ApiPropertyOptional({ enum: ['true'], description: 'With `step` (a record step): only those whose message there was transcribed' })
  @IsOptional()
  @IsIn(['true'], { message: 'must be true' })
  transcribed?: 'true';

  @ApiPropertyOptional({ enum: ['true'], description: 'Only those who chose an opt-out branch (at `step`, a gather, when given)' })
  @IsOptional()
  @IsIn(['true'], { message: 'must be true' })
  optedOut?: 'true';

  @ApiPropertyOptional({ enum: CALL_OUTCOMES, description: 'Only those whose call ended with this outcome (call_status)' })
  @IsOptional()
  @IsIn(CALL_OUTCOMES, { message: `must be one of ${CALL_OUTCOMES.join(', ')}` })
  callStatus?: CallOutcome;

  @ApiPropertyOptional({ enum: CALL_PROGRESS, description: 'Only those with this status' })
  @IsOptional()
  @IsIn(CALL_PROGRESS, { message: `must be one of ${CALL_PROGRESS.join(', ')}` })
  status?: CallProgress;

  @ApiPropertyOptional({ type: Boolean, description: 'true: only those that left a message at a record step; false: only those that did not' })
  @IsOptional()
  @Transform(booleanFromText)
  @IsBoolean({ message: 'must be true or false' })
  leftMessage?: boolean;
}

/** A WHERE condition on `calls c`, its parameters numbered from the given first one. */
export interface ExportCondition {
  sql: string;
  params: unknown[];
}

/** Every step of a flow in flow order (pre-order), with its path as the step results write it. */
export function flowStepPaths(flow: CallFlow): { path: string; name: StepName; depth: number; branchOf: { step: string; branchIndex: number } | null }[] {
  const out: ReturnType<typeof flowStepPaths> = [];
  const walk = (steps: CallFlow['steps'], prefix: number[], branchOf: { step: string; branchIndex: number } | null) =>
    steps.forEach((step, i) => {
      const path = [...prefix, i];
      const described = describeStepPath(path);
      out.push({ path: described, name: step.name, depth: prefix.length / 2, branchOf });
      if (step.name === 'gather') (step as GatherStep).branches.forEach((branch, b) => walk(branch.callFlow.steps, [...path, b], { step: described, branchIndex: b }));
    });
  walk(flow.steps, [], null);
  return out;
}

/**
 * Checks the filters against the campaign's flow (400 naming each wrong field) and turns them into one SQL
 * condition on `calls c`; parameters are numbered from `firstParam`.
 */
export function exportCondition(query: ExportQueryDto, flow: CallFlow, firstParam: number): ExportCondition {
  const errors: FieldError[] = [];
  const steps = flowStepPaths(flow);
  const step = query.step === undefined ? undefined : steps.find((s) => s.path === query.step);
  if (query.step !== undefined && !step) {
    const known = steps.slice(0, 10).map((s) => s.path).join(', ') + (steps.length > 10 ? ', …' : '');
    errors.push({ field: 'step', message: `no step at this path in the campaign's call flow (its steps: ${known})` });
  }
  const needs = (field: string, name: StepName | null) => {
    if (query.step === undefined) errors.push({ field, message: `needs step${name ? ` (a ${name} step)` : ''}` });
    else if (step && name && step.name !== name) errors.push({ field, message: `step ${step.path} is a ${step.name} step, not a ${name} step` });
  };
  const counters: string[] = [];
  if (query.key !== undefined) {
    needs('key', 'gather');
    counters.push(COUNTER.key(query.key));
  }
  if (query.outcome !== undefined) {
    needs('outcome', null);
    counters.push(COUNTER.status(query.outcome));
  }
  if (query.transfer !== undefined) {
    needs('transfer', 'transfer');
    counters.push(COUNTER.transfer(query.transfer));
  }
  if (query.recorded !== undefined) {
    needs('recorded', 'record');
    counters.push(COUNTER.recorded);
  }
  if (query.transcribed !== undefined) {
    needs('transcribed', 'record');
    counters.push(COUNTER.transcribed);
  }
  if (query.optedOut !== undefined) {
    if (step && step.name !== 'gather') errors.push({ field: 'optedOut', message: `step ${step.path} is a ${step.name} step, not a gather step` });
    counters.push(COUNTER.optOut);
  }
  if (errors.length > 0) throw new FieldValidationException(errors, 'Invalid export filters');

  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  if (query.step !== undefined || counters.length > 0) {
    const onPath = query.step !== undefined ? `s.step ->> 'path' = ${param(query.step)} AND ` : '';
    const wanted = counters.length > 0 ? counters : [COUNTER.reached];
    conditions.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(c.steps) AS s(step) WHERE ${onPath}${stepCountersSql('s.step')} @> ${param(wanted)}::text[])`);
  }
  if (query.callStatus !== undefined) conditions.push(`c.call_status = ${param(query.callStatus)}`);
  if (query.status !== undefined) conditions.push(`c.status = ${param(query.status)}`);
  if (query.leftMessage !== undefined) conditions.push(`c.left_message = ${param(query.leftMessage)}`);
  return { sql: conditions.length > 0 ? conditions.join(' AND ') : 'true', params };
}

/** The export link of one funnel box: the filters as a query string, relative to the API's root. */
export function exportLink(requestId: string, filters: Record<string, string>): string {
  const query = Object.entries(filters)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
  return `/status/${encodeURIComponent(requestId)}/export.csv${query ? `?${query}` : ''}`;
}
