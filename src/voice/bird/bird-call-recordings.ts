import { RecordingRecord } from '../../campaigns/call.entity';
import { BirdRecording } from './bird-api.types';
import { BirdClient } from './bird-client';
import { BirdApiError } from './bird-errors';
import { recordingStatus } from './bird-translation';

/** A Bird call's recordings in our terms; none when Bird does not know the call. */
export async function readBirdRecordings(client: BirdClient, providerCallId: string): Promise<RecordingRecord[]> {
  try {
    return (await client.listRecordings(providerCallId)).map(toRecordingRecord);
  } catch (error) {
    if (error instanceof BirdApiError && error.notFound) return [];
    throw error;
  }
}

function toRecordingRecord(recording: BirdRecording): RecordingRecord {
  return { id: recording.id, status: recordingStatus(recording.status), duration: recording.duration ?? 0, createdAt: recording.createdAt ?? null };
}

/** Whether Bird is done with them: each done or failed (an answered recorded call has at least one to wait for). */
export function birdRecordingsSettled(recordings: RecordingRecord[], answered: boolean): boolean {
  if (answered && recordings.length === 0) return false;
  return recordings.every((r) => r.status === 'done' || r.status === 'failed');
}

/** Stores what was read on the call (only while it is still that Bird call: a retried call has another). */
export const STORE_BIRD_RECORDINGS_SQL = `UPDATE calls SET recordings = $3::jsonb, updated_at = now() WHERE id = $1 AND provider_call_id = $2`;
