import { Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { toRecordingView } from '../../campaigns/campaign-status.view';
import { Organization } from '../../organizations/organization.entity';
import { readRecordings, recordingFilePath, STORE_RECORDINGS_SQL, toRecordingRecord } from './call-recordings';
import { MessageBirdClient } from './messagebird-client';

export type CallRecording = ReturnType<typeof toRecordingView>;

/** A call's recordings at MessageBird, listed and streamed through our API. */
@Injectable()
export class MessageBirdRecordingsService {
  constructor(
    private readonly db: DataSource,
    private readonly client: MessageBirdClient,
  ) {}

  /** Read from MessageBird now (and stored on the call, so GET /status shows the same). */
  async list(organization: Organization, requestId: string, callId: string): Promise<{ requestId: string; callId: string; recordings: CallRecording[] }> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recordings = providerCallId ? (await readRecordings(this.client, providerCallId)).map(toRecordingRecord) : [];
    if (providerCallId && recordings.length > 0) await this.db.query(STORE_RECORDINGS_SQL, [callId, providerCallId, JSON.stringify(recordings)]);
    return { requestId, callId, recordings: recordings.map((recording) => toRecordingView(requestId, callId, recording)) };
  }

  /** The recording's audio, as MessageBird streams it. 404 unless it is a recording of this organization's call. */
  async audio(organization: Organization, requestId: string, callId: string, recordingId: string): Promise<Readable> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recording = providerCallId ? (await readRecordings(this.client, providerCallId)).find((r) => r.id === recordingId) : undefined;
    if (!recording) throw new NotFoundException(`No recording ${recordingId} of call ${callId}`);
    const response = await this.client.download(recordingFilePath(recording));
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  }

  private async providerCallId(organization: Organization, requestId: string, callId: string): Promise<string | null> {
    if (!/^[0-9a-f-]{36}$/i.test(callId)) throw new NotFoundException(`No call ${callId} in call request ${requestId}`);
    const rows: { provider_call_id: string | null }[] = await this.db.query(
      `SELECT c.provider_call_id FROM calls c JOIN call_requests r ON r.id = c.call_request_id
       WHERE r.organization_id = $1 AND r.request_id = $2 AND c.id = $3`,
      [organization.id, requestId, callId],
    );
    if (rows.length === 0) throw new NotFoundException(`No call ${callId} in call request ${requestId}`);
    return rows[0].provider_call_id;
  }
}
