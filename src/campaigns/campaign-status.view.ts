import { CallRequest } from './call-request.entity';
import { Call, RecordingRecord, StepRecord } from './call.entity';

/**
 * What a destination's detail is made of: a call entity, or a row read for a status page
 * (CallDetailsReader), whose timestamps are already ISO text.
 */
export type CallDetail = Pick<
  Call,
  'id' | 'caller' | 'phone' | 'status' | 'callState' | 'callStatus' | 'attempts' | 'attemptHistory' | 'failureReason' | 'steps' | 'monitorData' | 'recordings'
> &
  Record<'nextAttemptAt' | 'dialedAt' | 'answeredAt' | 'endedAt', Date | string | null>;

/** The contract's status document: the request, a summary from counters, and one page of per-destination details. */
export function toStatusView(request: CallRequest, calls: CallDetail[], page: number, perPage: number, matching = request.totalCalls) {
  return {
    ...toCampaignView(request),
    details: calls.map((call) => toDetailView(request.requestId, call)),
    /** `total` counts the destinations that match the filters (all of them without filters). */
    pagination: { page, perPage, total: matching, totalPages: Math.ceil(matching / perPage) },
  };
}

/** A campaign without its destinations: what GET /campaigns lists. Counts come from the request's counters. */
export function toCampaignView(request: CallRequest) {
  return {
    requestId: request.requestId,
    status: request.status,
    source: request.source,
    callFlowId: request.callFlowId ?? null,
    callFlowVersion: request.callFlowVersion ?? null,
    priority: request.priority,
    weight: request.weight,
    maxConcurrentCalls: request.maxConcurrentCalls,
    startAt: request.startAt,
    expiresAt: request.expiresAt,
    createdAt: request.createdAt,
    completedAt: request.completedAt,
    summary: {
      total: request.totalCalls,
      queued: request.totalCalls - request.dialedCalls,
      inProgress: request.dialedCalls - request.endedCalls,
      ended: request.endedCalls,
      answered: request.answeredCalls,
      busy: request.busyCalls,
      no_answer: request.noAnswerCalls,
      failed: request.failedCalls,
      cancelled: request.cancelledCalls,
      suppressed: request.suppressedCalls,
      expired: request.expiredCalls,
      leftMessage: request.leftMessageCalls,
    },
  };
}

export type CampaignView = ReturnType<typeof toCampaignView>;

export function toDetailView(requestId: string, call: CallDetail) {
  return {
    requestId,
    callId: call.id,
    caller: call.caller,
    destination: call.phone,
    status: call.status,
    call_state: call.callState,
    call_status: call.callStatus,
    attempts: call.attempts,
    ...(call.attemptHistory.length > 0 && { attemptHistory: call.attemptHistory }),
    ...(call.nextAttemptAt && { nextAttemptAt: call.nextAttemptAt }),
    dialedAt: call.dialedAt,
    answeredAt: call.answeredAt,
    endedAt: call.endedAt,
    ...(call.failureReason && { failureReason: call.failureReason }),
    callFlowSteps: call.steps.map((step, seq) => (step.info.recording ? withRecordingFile(requestId, call.id, seq, step) : step)),
    monitorData: call.monitorData,
    ...(call.recordings && { recordings: call.recordings.map((recording) => toRecordingView(requestId, call.id, recording)) }),
  };
}

/** Where a record step's audio is served (with the API key): the step's position in the call's steps. */
export function stepRecordingFile(requestId: string, callId: string, seq: number): string {
  return `/status/${encodeURIComponent(requestId)}/calls/${callId}/steps/${seq}/recording.wav`;
}

function withRecordingFile(requestId: string, callId: string, seq: number, step: StepRecord): StepRecord {
  return { ...step, info: { ...step.info, recording: { ...step.info.recording!, file: stepRecordingFile(requestId, callId, seq) } } };
}

/** A call's recording, with `file`: its audio through our API (with the API key; the platform's keys never leave the service). */
export function toRecordingView(requestId: string, callId: string, recording: RecordingRecord) {
  return { ...recording, file: `/status/${encodeURIComponent(requestId)}/calls/${callId}/recordings/${encodeURIComponent(recording.id)}.wav` };
}

export type StatusView = ReturnType<typeof toStatusView>;
