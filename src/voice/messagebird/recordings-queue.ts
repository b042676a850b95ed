import { StepPath } from '../../call-flow/call-flow.types';

/**
 * MessageBird's recordings queue (bull): a recorded call's recordings, read once it has ended, and a record
 * step's recording and transcription, read again while MessageBird still processes them.
 */
export const RECORDINGS_QUEUE = 'recordings';
export const COLLECT_RECORDINGS_JOB = 'collect-recordings';
/** 1 + 2 + 4 + … times MESSAGEBIRD_RECORDINGS_RETRY_MS: about 5 minutes at the default 5 s. */
export const COLLECT_RECORDINGS_ATTEMPTS = 7;

export interface CollectRecordingsJobData {
  callId: string;
  providerCallId: string;
  /** An answered call has recordings to wait for; an unanswered one may have none. */
  answered: boolean;
}

/** A record step's recording (then its transcription), once the step has ended. */
export const COLLECT_LEFT_MESSAGE_JOB = 'collect-left-message';
/** Doubling waits from MESSAGEBIRD_RECORDINGS_RETRY_MS: 1 + 2 + … + 512 times it, about 85 minutes at 5 s, for a slow transcription. */
export const COLLECT_LEFT_MESSAGE_ATTEMPTS = 11;

export interface CollectLeftMessageJobData {
  callId: string;
  providerCallId: string;
  /** The record step: its position in the call's steps, and in the flow. */
  seq: number;
  path: StepPath;
  /** The fetch after the step reported its end key (A14). */
  endKey: boolean;
  /** The call ended during the step. */
  hungUp: boolean;
  /** Set once its step-finished has been emitted; later attempts only wait for the transcription. */
  finished?: { recordingId: string; legId: string };
}
