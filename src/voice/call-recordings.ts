import { RecordingRecord } from '../campaigns/call.entity';
import { outboxCtes, recordingsReadySql } from '../webhooks/webhook-events';

/**
 * What every platform's whole-call recordings (enableCallRecording) have in common once read: whether the
 * platform is done with them, and how they are stored on the call.
 */

/** Done when each is done or failed; an answered recorded call has at least one to wait for (an unanswered one may have none). */
export function recordingsSettled(recordings: RecordingRecord[], answered: boolean): boolean {
  if (answered && recordings.length === 0) return false;
  return recordings.every((recording) => recording.status === 'done' || recording.status === 'failed');
}

/**
 * Stores what was read on the call (only while it is still that platform call: a retried call has another);
 * the first time they are all settled with one done, the status callbacks' `recording.ready` is written too.
 */
export const STORE_RECORDINGS_SQL = `WITH prior AS (
    SELECT recordings FROM calls WHERE id = $1 AND provider_call_id = $2
  ), stored AS (
    UPDATE calls SET recordings = $3::jsonb, updated_at = now() WHERE id = $1 AND provider_call_id = $2
    RETURNING id, organization_id, call_request_id
  ), webhook_source AS (
    SELECT s.organization_id, s.call_request_id, s.id AS call_id, 'recording.ready'::text AS type FROM stored s, prior p
    WHERE s.call_request_id IS NOT NULL AND ${recordingsReadySql('$3::jsonb', 'p.recordings')}
  )${outboxCtes('webhook_source')}
  SELECT 1`;
