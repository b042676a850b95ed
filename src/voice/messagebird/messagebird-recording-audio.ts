import { NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { RecordingRecord } from '../../campaigns/call.entity';
import { CallRecordingsSource, RecordingAudioSource } from '../voice-provider';
import { readRecordings, recordingFilePath, toRecordingRecord } from './call-recordings';
import { MessageBirdClient } from './messagebird-client';

/**
 * A record step's audio on MessageBird: the recording is looked up among the call's legs' recordings and
 * its `.wav` streamed through MessageBird's client (with the access key, on MESSAGEBIRD_BASE_URL only), so
 * neither MessageBird's URL nor its key ever reaches the customer.
 */
export class MessageBirdRecordingAudio extends RecordingAudioSource {
  constructor(private readonly client: MessageBirdClient) {
    super();
  }

  async open(recording: { providerCallId: string | null; recordingId: string; durationSeconds: number }): Promise<NodeJS.ReadableStream> {
    const found = recording.providerCallId ? (await readRecordings(this.client, recording.providerCallId)).find((r) => r.id === recording.recordingId) : undefined;
    if (!found) throw new NotFoundException(`MessageBird has no recording ${recording.recordingId}`);
    const response = await this.client.download(recordingFilePath(found));
    if (!response.body) throw new Error(`MessageBird sent recording ${recording.recordingId} without a body`);
    return Readable.fromWeb(response.body as ReadableStream);
  }
}

/** A call's whole-call recordings on MessageBird: every leg's, streamed the same way. */
export class MessageBirdCallRecordings extends CallRecordingsSource {
  constructor(private readonly client: MessageBirdClient) {
    super();
  }

  async list(providerCallId: string): Promise<RecordingRecord[]> {
    return (await readRecordings(this.client, providerCallId)).map(toRecordingRecord);
  }

  async open(providerCallId: string, recordingId: string): Promise<NodeJS.ReadableStream | undefined> {
    const found = (await readRecordings(this.client, providerCallId)).find((r) => r.id === recordingId);
    if (!found) return undefined;
    const response = await this.client.download(recordingFilePath(found));
    if (!response.body) throw new Error(`MessageBird sent recording ${recordingId} without a body`);
    return Readable.fromWeb(response.body as ReadableStream);
  }
}
