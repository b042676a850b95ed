import { Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { Organization } from '../../organizations/organization.entity';
import { MessageBirdRecording } from './messagebird-api.types';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdApiError } from './messagebird-errors';

export interface CallRecording {
  id: string;
  status: MessageBirdRecording['status'];
  /** Seconds. */
  duration: number;
  createdAt: string | null;
  /** Streams the `.wav` through this API (with the API key): MessageBird's access key never leaves the service. */
  file: string;
}

/** A call's recordings at MessageBird, listed and streamed through our API. */
@Injectable()
export class MessageBirdRecordingsService {
  constructor(
    private readonly db: DataSource,
    private readonly client: MessageBirdClient,
  ) {}

  async list(organization: Organization, requestId: string, callId: string): Promise<{ requestId: string; callId: string; recordings: CallRecording[] }> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recordings = providerCallId ? await this.recordingsOf(providerCallId) : [];
    const base = `/status/${encodeURIComponent(requestId)}/calls/${callId}/recordings`;
    return {
      requestId,
      callId,
      recordings: recordings.map((r) => ({ id: r.id, status: r.status, duration: r.duration, createdAt: r.createdAt ?? null, file: `${base}/${r.id}.wav` })),
    };
  }

  /** The recording's audio, as MessageBird streams it. 404 unless it is a recording of this organization's call. */
  async audio(organization: Organization, requestId: string, callId: string, recordingId: string): Promise<Readable> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recording = providerCallId ? (await this.recordingsOf(providerCallId)).find((r) => r.id === recordingId) : undefined;
    if (!recording) throw new NotFoundException(`No recording ${recordingId} of call ${callId}`);
    const response = await this.client.download(filePath(recording));
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

  private async recordingsOf(providerCallId: string): Promise<MessageBirdRecording[]> {
    try {
      const legs = await this.client.listLegs(providerCallId);
      return (await Promise.all(legs.map((leg) => this.client.listRecordings(providerCallId, leg.id)))).flat();
    } catch (error) {
      if (error instanceof MessageBirdApiError && error.notFound) return [];
      throw error;
    }
  }
}

/** Where MessageBird serves a recording's file: its `_links.file`, a path on the API (never another host: the access key goes with it). */
function filePath(recording: MessageBirdRecording): string {
  const link = recording._links?.file;
  return link && link.startsWith('/') && !link.startsWith('//') ? link : `/recordings/${encodeURIComponent(recording.id)}.wav`;
}
