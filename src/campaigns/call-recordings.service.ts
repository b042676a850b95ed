import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { STORE_RECORDINGS_SQL } from '../voice/call-recordings';
import { CallRecordingsSource } from '../voice/voice-provider';
import { toRecordingView } from './campaign-status.view';
import { findOrganizationCall } from './organization-call';

export type CallRecording = ReturnType<typeof toRecordingView>;

/** A call's whole-call recordings (enableCallRecording) at the voice platform, listed and streamed through our API. */
@Injectable()
export class CallRecordingsService {
  constructor(
    private readonly db: DataSource,
    private readonly source: CallRecordingsSource,
  ) {}

  /** Read from the platform now (and stored on the call, so GET /status shows the same). */
  async list(organization: Organization, requestId: string, callId: string): Promise<{ requestId: string; callId: string; recordings: CallRecording[] }> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const recordings = providerCallId ? await this.source.list(providerCallId) : [];
    if (providerCallId && recordings.length > 0) await this.db.query(STORE_RECORDINGS_SQL, [callId, providerCallId, JSON.stringify(recordings)]);
    return { requestId, callId, recordings: recordings.map((recording) => toRecordingView(requestId, callId, recording)) };
  }

  /** The recording's audio as the platform streams it. 404 unless it is a recording of this organization's call. */
  async audio(organization: Organization, requestId: string, callId: string, recordingId: string): Promise<NodeJS.ReadableStream> {
    const providerCallId = await this.providerCallId(organization, requestId, callId);
    const audio = providerCallId ? await this.source.open(providerCallId, recordingId) : undefined;
    if (!audio) throw new NotFoundException(`No recording ${recordingId} of call ${callId}`);
    return audio;
  }

  private async providerCallId(organization: Organization, requestId: string, callId: string): Promise<string | null> {
    const call = await findOrganizationCall(this.db, organization.id, requestId, callId);
    if (!call) throw new NotFoundException(`No call ${callId} in call request ${requestId}`);
    return call.providerCallId;
  }
}
