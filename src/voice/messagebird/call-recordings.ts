import { RecordingRecord } from '../../campaigns/call.entity';
import { MessageBirdRecording } from './messagebird-api.types';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdApiError } from './messagebird-errors';

/** Every recording of a MessageBird call, from each of its legs; none when MessageBird does not know the call. */
export async function readRecordings(client: MessageBirdClient, providerCallId: string): Promise<MessageBirdRecording[]> {
  try {
    const legs = await client.listLegs(providerCallId);
    return (await Promise.all(legs.map((leg) => client.listRecordings(providerCallId, leg.id)))).flat();
  } catch (error) {
    if (error instanceof MessageBirdApiError && error.notFound) return [];
    throw error;
  }
}

export function toRecordingRecord(recording: MessageBirdRecording): RecordingRecord {
  return { id: recording.id, status: recording.status, duration: recording.duration, createdAt: recording.createdAt ?? null };
}

/** Whether MessageBird is done with the call's recordings: each one is done or failed (an unanswered call has none to wait for). */
export function recordingsSettled(recordings: RecordingRecord[], answered: boolean): boolean {
  if (answered && recordings.length === 0) return false;
  return recordings.every((recording) => recording.status === 'done' || recording.status === 'failed');
}

/** Stores what was read on the call (only while it is still that platform call: a retried call has another). */
export const STORE_RECORDINGS_SQL = `UPDATE calls SET recordings = $3::jsonb, updated_at = now() WHERE id = $1 AND provider_call_id = $2`;

/** Where MessageBird serves a recording's file: its `_links.file`, a path on the API (never another host: the access key goes with it). */
export function recordingFilePath(recording: MessageBirdRecording): string {
  const link = recording._links?.file;
  return link && link.startsWith('/') && !link.startsWith('//') ? link : `/recordings/${encodeURIComponent(recording.id)}.wav`;
}
