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
