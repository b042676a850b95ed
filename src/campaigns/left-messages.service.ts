import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { RecordingAudioSource } from '../voice/voice-provider';
import { StepRecord } from './call.entity';
import { stepRecordingFile } from './campaign-status.view';

/** A record step of one of the organization's calls, as GET …/steps/{seq}/… serves it. */
export interface LeftMessage {
  requestId: string;
  callId: string;
  seq: number;
  providerCallId: string | null;
  step: StepRecord;
}

/** The messages callees left at record steps: their audio (through the voice platform) and transcription. */
@Injectable()
export class LeftMessagesService {
  constructor(
    private readonly db: DataSource,
    private readonly audioSource: RecordingAudioSource,
  ) {}

  /** 404 unless the step exists, is a record step of this organization's call, and captured a message. */
  async find(organization: Organization, requestId: string, callId: string, seq: number): Promise<LeftMessage> {
    const missing = () => new NotFoundException(`No message left at step ${seq} of call ${callId} in call request "${requestId}"`);
    if (!/^[0-9a-f-]{36}$/i.test(callId) || !Number.isInteger(seq) || seq < 0) throw missing();
    const rows: { provider_call_id: string | null; step: StepRecord | null }[] = await this.db.query(
      `SELECT c.provider_call_id, c.steps -> $4::int AS step FROM calls c JOIN call_requests r ON r.id = c.call_request_id
       WHERE r.organization_id = $1 AND r.request_id = $2 AND c.id = $3`,
      [organization.id, requestId, callId, seq],
    );
    const step = rows[0]?.step;
    if (!step || step.stepName !== 'record' || !step.info.recording) throw missing();
    return { requestId, callId, seq, providerCallId: rows[0].provider_call_id, step };
  }

  async audio(message: LeftMessage): Promise<NodeJS.ReadableStream> {
    const recording = message.step.info.recording!;
    return this.audioSource.open({ providerCallId: message.providerCallId, recordingId: recording.id, durationSeconds: recording.durationSeconds });
  }

  /** The step's recording and transcription, as GET /status shows them. */
  view(message: LeftMessage) {
    const { requestId, callId, seq, step } = message;
    return {
      requestId,
      callId,
      seq,
      path: step.path,
      recording: { ...step.info.recording!, file: stepRecordingFile(requestId, callId, seq) },
      transcription: step.info.transcription ?? null,
    };
  }
}
