/** Shapes of Bird's Channels Voice API as this service uses them (docs/bird.md cites the pages; B-numbers are assumptions). */

/** A call's lifecycle status (Voice webhooks page, voice.outbound); `canceled` is tolerated (B13). */
export type BirdCallStatus = 'accepted' | 'starting' | 'ringing' | 'ongoing' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';

export interface BirdCall {
  id: string;
  channelId?: string;
  from?: string;
  to?: string;
  direction?: string;
  status: BirdCallStatus;
  reason?: string;
  hangupCauseCode?: number;
  createdAt?: string;
  updatedAt?: string;
}

export interface BirdCondition {
  variable: string;
  operator: string;
  value: string;
}

export type BirdCommandName = 'say' | 'playback' | 'gather' | 'record' | 'bridge' | 'pause' | 'hangup';

/** One call-flow command (Initiate an outbound call: `callFlow[]`). */
export interface BirdCommand {
  command: BirdCommandName;
  options?: Record<string, unknown>;
  conditions?: BirdCondition[];
}

export interface PlaceCallRequest {
  to: string;
  from?: string;
  ringTimeout?: number;
  record?: boolean;
  callFlow: BirdCommand[];
  notification: { url: string };
  amdSettings?: Record<string, unknown>;
}

/** The answer to a call command (`POST …/calls/{callId}/say`, …): CallCommandResponse. */
export interface BirdCommandResponse {
  id: string;
  callId?: string;
  command?: string;
  status?: string;
}

/** What a finished command reports (B4-B7): the keys of a gather, the recording of a record, the bridged call's fate. */
export interface BirdCommandResult {
  keys?: string;
  recordingId?: string;
  /** Seconds of audio recorded. */
  duration?: number;
  endCause?: string;
  /** A bridge: the status of the new call it placed. */
  status?: BirdCallStatus;
  callId?: string;
}

export interface BirdFinishedCommand {
  id: string;
  command: BirdCommandName;
  status: 'completed' | 'failed';
  result?: BirdCommandResult;
}

/** A webhook body (B3): a call's lifecycle event, possibly reporting a finished command and a machine detection. */
export interface BirdWebhookBody {
  service: string;
  event: string;
  payload: BirdCall & { command?: BirdFinishedCommand; amd?: { result: 'human' | 'machine' | 'unknown' } };
}

export interface BirdRecording {
  id: string;
  /** `accepted` while it is made; `available` when it can be downloaded (B16). */
  status: string;
  origin?: string;
  duration?: number;
  endCause?: string;
  createdAt?: string;
}

export interface BirdTranscription {
  id: string;
  recordingId: string;
  /** `accepted` while it is made, `available` when done (Transcriptions API examples); `failed` (B6). */
  status: string;
  locale?: string;
}

/** Bird's list envelope (List calls, List recordings): `results` and a cursor. */
export interface BirdList<T> {
  results: T[];
  nextPageToken?: string;
}
