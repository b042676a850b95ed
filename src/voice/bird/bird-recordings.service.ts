import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { toRecordingView } from '../../campaigns/campaign-status.view';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { Organization } from '../../organizations/organization.entity';
import { readBirdRecordings, STORE_BIRD_RECORDINGS_SQL } from './bird-call-recordings';
import { BirdClient } from './bird-client';
import { createBirdClient } from './create-bird-client';

/** A call's whole-call recordings (enableCallRecording) at Bird, listed and streamed through our API. */
@Injectable()
export class BirdRecordingsService {
  private readonly client: BirdClient;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.client = createBirdClient(config.bird!);
  }

  /** Read from Bird now (and stored on the call, so GET /status shows the same). */
  async list(organization: Organization, requestId: string, callId: string) {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recordings = providerCallId ? await readBirdRecordings(this.client, providerCallId) : [];
    if (providerCallId && recordings.length > 0) await this.db.query(STORE_BIRD_RECORDINGS_SQL, [callId, providerCallId, JSON.stringify(recordings)]);
    return { requestId, callId, recordings: recordings.map((recording) => toRecordingView(requestId, callId, recording)) };
  }

  /** The recording's audio (B8). 404 unless it is a recording of this organization's call. */
  async audio(organization: Organization, requestId: string, callId: string, recordingId: string): Promise<Readable> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recording = providerCallId ? (await readBirdRecordings(this.client, providerCallId)).find((r) => r.id === recordingId) : undefined;
    if (!recording) throw new NotFoundException(`No recording ${recordingId} of call ${callId}`);
    const response = await this.client.recordingAudio(recording.id);
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
