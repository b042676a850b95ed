import { Observable } from 'rxjs';
import { CallFlow, StepName, TransferStatus } from '../call-flow/call-flow.types';
import { MachineDetection } from './machine-detection';
import type { RecordingRecord } from '../campaigns/call.entity';

/** Final outcome of a call, as shown in `call_status`. */
export type CallOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled';
export const CALL_OUTCOMES: CallOutcome[] = ['answered', 'busy', 'no_answer', 'failed', 'cancelled'];

/** Outcome of one step, as shown in `callFlowSteps[].info.status`. */
export type StepStatus = 'in_progress' | 'success_ok' | 'no_input' | 'failed' | 'interrupted';

/** How a record step's recording ended. */
export type RecordingEndedBy = 'key' | 'silence' | 'maxLength' | 'hangup';

/** What a record step captured; `durationSeconds` 0 means the callee said nothing. */
export interface StepRecording {
  /** The platform's recording id (the simulator's: `sim-rec-…`). */
  id: string;
  durationSeconds: number;
  endedBy: RecordingEndedBy;
}

export type TranscriptionStatus = 'pending' | 'done' | 'failed';

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
      /** A record step's recording (none when the platform made none). */
      recording?: StepRecording;
      /** A record step with `transcribe`: its transcription is on its way (a `transcription` event follows). */
      transcriptionPending?: boolean;
    } & StepEventBase)
  /** The text of a record step's recording, possibly long after the call ended; `seq` is the record step's. */
  | { type: 'transcription'; callId: string; at: Date; seq: number; recordingId: string; status: 'done' | 'failed'; text?: string }
  | {
      type: 'ended';
      callId: string;
      at: Date;
      /**
       * The same instant to the microsecond, from a platform whose clock gives it (the simulator); ended_at is
       * written from it. A Date keeps whole milliseconds, so ended_at would be up to 1 ms early against dialed_at
       * (PostgreSQL's clock, to the microsecond), and every slot refill would look that much slower.
       */
      atMicros?: number;
      outcome: CallOutcome;
      reason?: string;
    };

/** An ended event's instant as PostgreSQL reads it: to the microsecond when the platform gave it. */
export function endedAtOf(event: { at: Date; atMicros?: number }): Date | string {
  if (event.atMicros === undefined) return event.at;
  const micros = Math.round(event.atMicros);
  return new Date(Math.floor(micros / 1000)).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
}

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

/** What PostgreSQL recorded of an adopted call: whether it was answered, how many steps it has, and the step it was in. */
export interface AdoptedProgress {
  answered: boolean;
  stepsRecorded: number;
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

  /**
   * Optional: platforms whose account can list its ongoing calls count those this service did not place
   * (other apps' calls on the same lines). Absent: other apps' calls are only known from
   * PUT /organization/usage. Throws when the platform cannot be read.
   */
  countOtherOngoingCalls?(): Promise<number>;
}

/**
 * What the deployment's voice platform can do, known in every process (the API checks submissions
 * against it without binding a VoiceProvider): a flow option the platform cannot honour is refused at
 * submission, never silently changed.
 */
export abstract class VoicePlatformProfile {
  /** The platform's name as customers know it, for error messages ("MessageBird classic"). */
  abstract readonly platform: string;
  /** The record step's `transcribeLocale` values the platform transcribes in. */
  abstract readonly transcribeLocales: readonly string[];
  /** The record step's `endKey` values the platform can end a recording with. */
  abstract readonly recordEndKeys: readonly string[];
}

/**
 * A call's whole-call recordings (enableCallRecording) at the platform, for the API process that lists and
 * streams them to the customer with their API key (the platform's keys and URLs never leave the service).
 */
export abstract class CallRecordingsSource {
  /** As the platform lists them now; [] when it does not know the call. */
  abstract list(providerCallId: string): Promise<RecordingRecord[]>;
  /** One of them as audio/wav; undefined when it is not a recording of that call. */
  abstract open(providerCallId: string, recordingId: string): Promise<NodeJS.ReadableStream | undefined>;
}

/** The audio of a record step's recording, for the API process that streams it to the customer (with their API key). */
export abstract class RecordingAudioSource {
  /** `providerCallId` is null for a call that was never placed (which has no recording). */
  abstract open(recording: { providerCallId: string | null; recordingId: string; durationSeconds: number }): Promise<NodeJS.ReadableStream>;
}
