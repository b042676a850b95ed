/**
 * Bird's follow-up queue (bull, kept in Redis, run by any worker): a recorded call's whole-call recordings,
 * read once it has ended, and a record step's transcription, read until Bird is done with it. Its own
 * queue, beside MessageBird classic's `recordings` (only one platform is bound in a deployment).
 */
export const BIRD_RECORDINGS_QUEUE = 'bird-recordings';

/** A recorded call's recordings (B16), stored on the call. */
export const COLLECT_BIRD_RECORDINGS_JOB = 'collect-bird-recordings';
/** Waits from BIRD_TRANSCRIPTION_POLL_MS, doubling: 1 + 3 + 7 + … + 63 times it, about 4 minutes at the default 2 s. */
export const COLLECT_BIRD_RECORDINGS_ATTEMPTS = 7;

export interface CollectBirdRecordingsJobData {
  callId: string;
  providerCallId: string;
  /** An answered call has recordings to wait for; an unanswered one may have none. */
  answered: boolean;
}

/** A record step's transcription (B6); the `transcription` event follows. */
export const READ_BIRD_TRANSCRIPTION_JOB = 'read-bird-transcription';
/** Waits from BIRD_TRANSCRIPTION_POLL_MS, doubling: 1 + 3 + 7 + … + 1023 times it, about 68 minutes at the default 2 s; then `failed`. */
export const READ_BIRD_TRANSCRIPTION_ATTEMPTS = 11;

export interface ReadBirdTranscriptionJobData {
  callId: string;
  providerCallId: string;
  /** The record step's position in the call's steps. */
  seq: number;
  recordingId: string;
}
