import { CallRequest } from './call-request.entity';
import { Call } from './call.entity';

/** The contract's status document: the request, a summary from counters, and one page of per-destination details. */
export function toStatusView(request: CallRequest, calls: Call[], page: number, perPage: number) {
  const queued = request.totalCalls - request.dialedCalls;
  return {
    requestId: request.requestId,
    status: request.status,
    source: request.source,
    createdAt: request.createdAt,
    completedAt: request.completedAt,
    summary: {
      total: request.totalCalls,
      queued,
      inProgress: request.dialedCalls - request.endedCalls,
      ended: request.endedCalls,
      answered: request.answeredCalls,
      busy: request.busyCalls,
      no_answer: request.noAnswerCalls,
      failed: request.failedCalls,
      cancelled: request.cancelledCalls,
    },
    details: calls.map((call) => toDetailView(request.requestId, call)),
    pagination: { page, perPage, total: request.totalCalls, totalPages: Math.ceil(request.totalCalls / perPage) },
  };
}

export function toDetailView(requestId: string, call: Call) {
  return {
    requestId,
    callId: call.id,
    caller: call.caller,
    destination: call.phone,
    status: call.status,
    call_state: call.callState,
    call_status: call.callStatus,
    attempts: call.attempts,
    dialedAt: call.dialedAt,
    answeredAt: call.answeredAt,
    endedAt: call.endedAt,
    ...(call.failureReason && { failureReason: call.failureReason }),
    callFlowSteps: call.steps,
    monitorData: call.monitorData,
  };
}

export type StatusView = ReturnType<typeof toStatusView>;
