import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Organization } from '../organizations/organization.entity';
import { RecordingAudioSource } from '../voice/voice-provider';
import { StepRecord } from './call.entity';
import { stepRecordingFile } from './campaign-status.view';
import { findOrganizationCall } from './organization-call';

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
    if (!Number.isInteger(seq) || seq < 0) throw missing();
    const call = await findOrganizationCall(this.db, organization.id, requestId, callId, seq);
    const step = call?.step;
    if (!step || step.stepName !== 'record' || !step.info.recording) throw missing();
    return { requestId, callId, seq, providerCallId: call.providerCallId, step };
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
