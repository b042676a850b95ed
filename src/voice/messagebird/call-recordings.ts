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


/** Where MessageBird serves a recording's file: its `_links.file`, a path on the API (never another host: the access key goes with it). */
export function recordingFilePath(recording: MessageBirdRecording): string {
  const link = recording._links?.file;
  return link && link.startsWith('/') && !link.startsWith('//') ? link : `/recordings/${encodeURIComponent(recording.id)}.wav`;
}
