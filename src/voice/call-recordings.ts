import { RecordingRecord } from '../campaigns/call.entity';

/**
 * What every platform's whole-call recordings (enableCallRecording) have in common once read: whether the
 * platform is done with them, and how they are stored on the call.
 */

/** Done when each is done or failed; an answered recorded call has at least one to wait for (an unanswered one may have none). */
export function recordingsSettled(recordings: RecordingRecord[], answered: boolean): boolean {
  if (answered && recordings.length === 0) return false;
  return recordings.every((recording) => recording.status === 'done' || recording.status === 'failed');
}

/** Stores what was read on the call (only while it is still that platform call: a retried call has another). */
export const STORE_RECORDINGS_SQL = `UPDATE calls SET recordings = $3::jsonb, updated_at = now() WHERE id = $1 AND provider_call_id = $2`;
