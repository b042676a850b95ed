import { CallFlow, RecordStep, StepName, StepPath, TransferStatus, VoiceMessage } from './call-flow.types';
import { decideGather, describeStepPath, firstStepPath, nextStepPath, StepOutcome, stepAt, stepMessage } from './flow-interpreter';
import type { StepRecording } from '../voice/voice-provider';

/** What a provider that executes a flow step by step itself (the simulator) must be able to do on a live call. */
export interface CallLeg {
  speak(text: string, message: VoiceMessage): Promise<void>;
  /** Plays the prompt and waits for one key; '' when the callee entered nothing. */
  promptForKey(text: string, message: VoiceMessage, promptNumber: number): Promise<string>;
  transfer(destination: string): Promise<{ status: TransferStatus; legId: string }>;
  /**
   * Records the callee until the end key, silence, maxLength or their hang-up (which resolves with
   * `endedBy: 'hangup'`; the next step then finds the call over). `transcriptionPending`: a transcription follows.
   */
  record(step: RecordStep): Promise<{ recording: StepRecording; transcriptionPending: boolean }>;
}

export interface StepReport {
  seq: number;
  stepName: StepName;
  path: string;
  message?: string;
}

export interface FinishedStepReport extends StepReport {
  status: 'success_ok' | 'no_input' | 'failed' | 'interrupted';
  userPressedDigits?: string;
  transferStatus?: TransferStatus;
  transferLegId?: string;
  transferDestination?: string;
  /** The gather followed a branch with `optOut`: the callee asked not to be called again. */
  optOut?: boolean;
  recording?: StepRecording;
  transcriptionPending?: boolean;
}

export interface FlowObserver {
  stepStarted(report: StepReport): void;
  stepFinished(report: FinishedStepReport): void;
}

/** Thrown by a CallLeg when the call ends under it (callee hung up, or we hung up). */
export class CallEndedError extends Error {
  constructor() {
    super('call ended');
  }
}

/** Runs a flow to its end on an answered call. Resolves when the flow ends; rejects with CallEndedError if the call dropped. */
export async function runCallFlow(flow: CallFlow, messages: string[], leg: CallLeg, observer: FlowObserver): Promise<void> {
  let path: StepPath | null = firstStepPath(flow);
  for (let seq = 0; path; seq++) {
    const step = stepAt(flow, path);
    const report: StepReport = {
      seq,
      stepName: step.name,
      path: describeStepPath(path),
      ...(stepMessage(step) && { message: messages[stepMessage(step)!.messageIndex] }),
    };
    observer.stepStarted(report);
    let outcome: StepOutcome;
    try {
      switch (step.name) {
        case 'play':
          await leg.speak(report.message!, step.message);
          observer.stepFinished({ ...report, status: 'success_ok' });
          outcome = { step: 'play' };
          break;
        case 'gather': {
          for (let prompt = 1; ; prompt++) {
            const key = await leg.promptForKey(report.message!, step.message, prompt);
            const decision = decideGather(step, key, prompt);
            if (decision.action === 'reprompt') continue;
            const accepted = decision.action === 'follow' ? decision.acceptedDigit : '';
            const optOut = decision.action === 'follow' && step.branches[decision.branchIndex].optOut === true;
            observer.stepFinished({ ...report, status: accepted ? 'success_ok' : 'no_input', userPressedDigits: accepted, ...(optOut && { optOut }) });
            outcome = { step: 'gather', branchIndex: decision.action === 'follow' ? decision.branchIndex : null };
            break;
          }
          break;
        }
        case 'transfer': {
          const result = await leg.transfer(step.destination);
          observer.stepFinished({
            ...report,
            status: result.status === 'answered' ? 'success_ok' : 'failed',
            transferStatus: result.status,
            transferLegId: result.legId,
            transferDestination: step.destination,
          });
          outcome = { step: 'transfer', answered: result.status === 'answered' };
          break;
        }
        case 'record': {
          const { recording, transcriptionPending } = await leg.record(step);
          observer.stepFinished({
            ...report,
            status: recording.durationSeconds > 0 ? 'success_ok' : 'no_input',
            recording,
            ...(transcriptionPending && { transcriptionPending }),
          });
          outcome = { step: 'record' };
          break;
        }
      }
    } catch (error) {
      if (error instanceof CallEndedError) observer.stepFinished({ ...report, status: 'interrupted' });
      throw error;
    }
    path = nextStepPath(flow, path, outcome);
  }
}
