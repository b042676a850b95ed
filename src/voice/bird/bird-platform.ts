import { Readable } from 'node:stream';
import { TRANSCRIBE_LOCALES } from '../../call-flow/call-flow.types';
import { RecordingRecord } from '../../campaigns/call.entity';
import { CallRecordingsSource, RecordingAudioSource, VoicePlatformProfile } from '../voice-provider';
import { readBirdRecordings } from './bird-call-recordings';
import { BirdClient } from './bird-client';

/**
 * What Bird's `record` command can do (Record a call: `endKey` 0-9, * or #; `transcribeLocale` the list our
 * flow language took from it): every record option of ours.
 */
export class BirdPlatformProfile extends VoicePlatformProfile {
  readonly platform = 'Bird';
  readonly transcribeLocales = TRANSCRIBE_LOCALES;
  readonly recordEndKeys = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
}

/** A record step's audio, downloaded from Bird with the access key (B8) and streamed on: Bird's URL and key never leave the service. */
export class BirdRecordingAudio extends RecordingAudioSource {
  constructor(private readonly client: BirdClient) {
    super();
  }

  async open(recording: { providerCallId: string | null; recordingId: string }): Promise<NodeJS.ReadableStream> {
    const response = await this.client.recordingAudio(recording.recordingId);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }
}

/** A call's whole-call recordings on Bird (B16), downloaded with the access key (B8) and streamed on. */
export class BirdCallRecordings extends CallRecordingsSource {
  constructor(private readonly client: BirdClient) {
    super();
  }

  list(providerCallId: string): Promise<RecordingRecord[]> {
    return readBirdRecordings(this.client, providerCallId);
  }

  async open(providerCallId: string, recordingId: string): Promise<NodeJS.ReadableStream | undefined> {
    const found = (await readBirdRecordings(this.client, providerCallId)).find((r) => r.id === recordingId);
    if (!found) return undefined;
    const response = await this.client.recordingAudio(found.id);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }
}
