import { CallFlow, StepPath, TransferStatus } from '../../call-flow/call-flow.types';
import { decideGather, describeStepPath, nextStepPath, StepOutcome, stepAt, stepMessage } from '../../call-flow/flow-interpreter';
import { MonitorLeg, VoiceEvent } from '../voice-provider';
import { FetchReport, FlowPosition, pressedKey } from './call-flow-translation';

export interface TransferResult {
  status: TransferStatus;
  leg?: MonitorLeg;
}

export interface Progress {
  /** Step events the fetch implies: the step that ended, and the one that starts. */
  events: VoiceEvent[];
  /** What MessageBird runs next: a step (a gather's next prompt keeps its seq), or null to hang up. */
  next: FlowPosition | null;
  /**
   * A record step ended: its step-finished waits for its recording, which is read from MessageBird
   * (LeftMessageCollector) rather than decided here.
   */
  recordEnded?: RecordEnded;
}

/** A record step that ended with the call still up, and whether its end key was what ended it (A13, A14). */
export interface RecordEnded {
  seq: number;
  path: StepPath;
  endKey: boolean;
}

/**
 * What a fetchCallFlow request means for a call's steps: the segment at `report` has run (with the
 * key pressed, or the transfer's result), so that step ends, a gather re-prompts or follows a branch
 * by the interpreter's rules, and the next step starts. Pure: the same report always gives the same answer.
 */
export function progressAfter(flow: CallFlow, messages: string[], report: FetchReport, transfer: TransferResult | undefined, at: Date): Progress {
  const step = stepAt(flow, report.path);
  const base = {
    callId: report.callId,
    at,
    seq: report.seq,
    stepName: step.name,
    path: describeStepPath(report.path),
    ...(stepMessage(step) && { message: messages[stepMessage(step)!.messageIndex] }),
  };
  const events: VoiceEvent[] = [];
  let outcome: StepOutcome;
  let recordEnded: RecordEnded | undefined;
  switch (step.name) {
    case 'play':
      events.push({ type: 'step-finished', ...base, status: 'success_ok' });
      outcome = { step: 'play' };
      break;
    case 'gather': {
      const decision = decideGather(step, pressedKey(report), report.prompt);
      if (decision.action === 'reprompt') return { events, next: { seq: report.seq, path: report.path, prompt: report.prompt + 1 } };
      const accepted = decision.action === 'follow' ? decision.acceptedDigit : '';
      events.push({ type: 'step-finished', ...base, status: accepted ? 'success_ok' : 'no_input', userPressedDigits: accepted });
      outcome = { step: 'gather', branchIndex: decision.action === 'follow' ? decision.branchIndex : null };
      break;
    }
    case 'transfer': {
      const result = transfer ?? { status: 'failed' as const };
      events.push({
        type: 'step-finished',
        ...base,
        status: result.status === 'answered' ? 'success_ok' : 'failed',
        transferStatus: result.status,
        ...(result.leg && { leg: result.leg }),
      });
      outcome = { step: 'transfer', answered: result.status === 'answered' };
      break;
    }
    case 'record':
      recordEnded = { seq: report.seq, path: report.path, endKey: report.key !== undefined && report.key !== '' && report.key === step.endKey };
      outcome = { step: 'record' };
      break;
  }
  const nextPath = nextStepPath(flow, report.path, outcome);
  if (!nextPath) return { events, next: null, ...(recordEnded && { recordEnded }) };
  const next: FlowPosition = { seq: report.seq + 1, path: nextPath, prompt: 1 };
  events.push(stepStarted(flow, messages, report.callId, next, at));
  return { events, next, ...(recordEnded && { recordEnded }) };
}

/** The step-started event of the step at `position`. */
export function stepStarted(flow: CallFlow, messages: string[], callId: string, position: FlowPosition, at: Date): VoiceEvent {
  const step = stepAt(flow, position.path);
  return {
    type: 'step-started',
    callId,
    at,
    seq: position.seq,
    stepName: step.name,
    path: describeStepPath(position.path),
    ...(stepMessage(step) && { message: messages[stepMessage(step)!.messageIndex] }),
  };
}
