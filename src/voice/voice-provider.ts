import { Observable } from 'rxjs';
import { CallFlow, StepName, TransferStatus } from '../call-flow/call-flow.types';
import { MachineDetection } from './machine-detection';

/** Final outcome of a call, as shown in `call_status`. */
export type CallOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled';
export const CALL_OUTCOMES: CallOutcome[] = ['answered', 'busy', 'no_answer', 'failed', 'cancelled'];

/** Outcome of one step, as shown in `callFlowSteps[].info.status`. */
export type StepStatus = 'in_progress' | 'success_ok' | 'no_input' | 'failed' | 'interrupted';

export interface MonitorLeg {
  uuid: string;
  type: 'outbound' | 'transfer';
  dest: string;
}

export interface DialRequest {
  callId: string;
  phone: string;
  caller: string;
  flow: CallFlow;
  /** Rendered messages, indexed by each message's messageIndex. */
  messages: string[];
  enableCallRecording: boolean;
  /** The campaign's answering-machine handling; null: the deployment's default. */
  machineDetection: MachineDetection | null;
}

interface StepEventBase {
  callId: string;
  at: Date;
  /** Position of the step in this call's execution order (0-based). */
  seq: number;
  stepName: StepName;
  /** Location in the flow, e.g. `steps[1].branches[0].steps[0]`. */
  path: string;
  /** The rendered text of a play or gather prompt. */
  message?: string;
}

/** Normalized events every provider adapter emits; they may arrive twice, and are applied idempotently. */
export type VoiceEvent =
  | { type: 'ringing'; callId: string; at: Date }
  | { type: 'answered'; callId: string; at: Date }
  | ({ type: 'step-started' } & StepEventBase)
  | ({
      type: 'step-finished';
      status: StepStatus;
      userPressedDigits?: string;
      transferStatus?: TransferStatus;
      leg?: MonitorLeg;
      /** The callee chose a branch with `optOut`: put the number on the do-not-call list. */
      optOut?: boolean;
    } & StepEventBase)
  | { type: 'ended'; callId: string; at: Date; outcome: CallOutcome; reason?: string };

export type StepStartedEvent = Extract<VoiceEvent, { type: 'step-started' }>;

/** A call whose worker died after its dial started: its slot lease expired, and PostgreSQL has what was recorded. */
export interface OrphanCall {
  callId: string;
  phone: string;
  providerCallId: string | null;
  dialStartedAt: Date;
}

/**
 * What the platform knows of an orphan: it `placed` a call for it (running or over), it surely
 * `never-placed` one (the call may be dialed again), or it cannot tell (`unknown`: the call is recorded
 * as lost, never dialed again).
 */
export type OrphanState = { state: 'placed'; providerCallId: string } | { state: 'never-placed' } | { state: 'unknown' };

/** What PostgreSQL recorded of an adopted call: whether it was answered, and the step it was in. */
export interface AdoptedProgress {
  answered: boolean;
  openStep?: StepStartedEvent;
}

/**
 * The port every voice platform adapter implements. The dispatcher and the status model
 * only ever see these shapes, never a provider's own.
 */
export abstract class VoiceProvider {
  /** Starts the call; resolves once the platform has accepted it. */
  abstract dial(request: DialRequest): Promise<{ providerCallId: string }>;
  /** Ends a call in progress; the `ended` event follows. */
  abstract hangup(providerCallId: string): Promise<void>;
  /** Every event of every call this process placed (or adopted). */
  abstract readonly events: Observable<VoiceEvent>;

  /**
   * Platforms whose calls outlive the worker that placed them say what became of an orphan. The
   * default (the simulator, whose calls die with their worker) cannot tell.
   */
  async findOrphan(_call: OrphanCall): Promise<OrphanState> {
    return { state: 'unknown' };
  }

  /** Takes over a call another worker placed (findOrphan said `placed`): its events follow on `events`, its end included. */
  adopt(_request: DialRequest, _providerCallId: string, _progress: AdoptedProgress): void {
    throw new Error('this voice platform cannot take over calls');
  }
}
