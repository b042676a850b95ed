import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, Queue } from 'bull';
import { Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import { CallFlow, RecordStep } from '../../call-flow/call-flow.types';
import { describeStepPath, stepAt } from '../../call-flow/flow-interpreter';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { VoiceEvent } from '../voice-provider';
import { calleeLeg, recordingEndedBy, recordStepRecording, transcriptionState } from './call-flow-translation';
import { MessageBirdClient } from './messagebird-client';
import { COLLECT_LEFT_MESSAGE_ATTEMPTS, COLLECT_LEFT_MESSAGE_JOB, CollectLeftMessageJobData, RECORDINGS_QUEUE } from './recordings-queue';

/** Queues the reading of a record step's recording (any process: the API at the fetch after the step, a worker when the call ended in it). */
@Injectable()
export class LeftMessageJobs {
  constructor(
    @InjectQueue(RECORDINGS_QUEUE) private readonly queue: Queue<CollectLeftMessageJobData>,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** One job per record step of a MessageBird call: a repeated fetch, or the call's end right after it, adds nothing. */
  async schedule(data: CollectLeftMessageJobData): Promise<void> {
    await this.queue.add(COLLECT_LEFT_MESSAGE_JOB, data, {
      jobId: `left-message:${data.callId}:${data.providerCallId}:${data.seq}`,
      attempts: COLLECT_LEFT_MESSAGE_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.messagebird!.recordingsRetryMs },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }
}

interface CallRow {
  phone: string;
  provider_call_id: string | null;
  steps: { stepName: string }[];
  call_flow: CallFlow;
  enable_call_recording: boolean;
}

/**
 * A record step's result on MessageBird: once the step has ended, its recording is read (A12) and its
 * step-finished emitted with `recording` (A14 says how it ended); with `transcribe`, the job is then tried
 * again, with a doubling wait, until MessageBird's transcription is done or failed (A15), and the
 * `transcription` event follows. Its events join the MessageBirdProvider's (so the worker running the job
 * applies them, whichever placed the call); a bull job (kept in Redis) survives a worker restart. The last
 * attempt settles what is still open: no recording is `no_input`, no transcription is `failed`.
 */
@Injectable()
export class LeftMessageCollector {
  private readonly logger = new Logger(LeftMessageCollector.name);
  private readonly subject = new Subject<VoiceEvent>();
  readonly events = this.subject.asObservable();

  constructor(
    private readonly client: MessageBirdClient,
    private readonly db: DataSource,
  ) {}

  async collect(job: Job<CollectLeftMessageJobData>): Promise<void> {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.attempt(job, last);
    } catch (error) {
      if (!last) throw error;
      this.logger.warn(`call ${job.data.callId}: step ${job.data.seq}'s message could not be read from MessageBird (${error}); settled without it`);
      this.settleUnread(job.data);
    }
  }

  private async attempt(job: Job<CollectLeftMessageJobData>, last: boolean): Promise<void> {
    const data = job.data;
    const rows: CallRow[] = await this.db.query(
      `SELECT c.phone, c.provider_call_id, c.steps, r.call_flow, r.enable_call_recording
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE c.id = $1`,
      [data.callId],
    );
    const call = rows[0];
    // Gone, or dialed again since (its steps are another attempt's).
    if (!call || call.provider_call_id !== data.providerCallId) return;
    const step = stepAt(call.call_flow, data.path);
    if (step.name !== 'record') return;
    let finished = data.finished;
    if (!finished) {
      // Which record step of the call this is (A12) is counted on the call's recorded steps: wait until this one is there.
      if (call.steps.length <= data.seq && !last) throw new Error(`call ${data.callId}: step ${data.seq} is not recorded yet`);
      finished = await this.finishStep(data, step, call, last);
      if (!finished) return;
      await job.update({ ...data, finished });
    }
    const transcriptions = await this.client.listTranscriptions(data.providerCallId, finished.legId, finished.recordingId);
    const latest = transcriptions[transcriptions.length - 1];
    const text = latest && !latest.error ? await this.client.transcriptionText(data.providerCallId, finished.legId, finished.recordingId, latest.id) : undefined;
    const state = transcriptionState(transcriptions, text);
    if (state.status === 'pending' && !last) throw new Error(`call ${data.callId}: MessageBird has not transcribed step ${data.seq}'s recording yet`);
    this.subject.next({
      type: 'transcription',
      callId: data.callId,
      at: new Date(),
      seq: data.seq,
      recordingId: finished.recordingId,
      ...(state.status === 'done' ? { status: 'done', text: state.text } : { status: 'failed' }),
    });
  }

  /** Emits the step's step-finished from its recording; returns where its transcription is to be read, if one is coming. */
  private async finishStep(data: CollectLeftMessageJobData, step: RecordStep, call: CallRow, last: boolean): Promise<{ recordingId: string; legId: string } | undefined> {
    const index = call.steps.slice(0, data.seq).filter((s) => s?.stepName === 'record').length;
    const leg = calleeLeg(await this.client.listLegs(data.providerCallId), call.phone);
    const recordings = leg ? await this.client.listRecordings(data.providerCallId, leg.id) : [];
    const recording = recordStepRecording(recordings, index, call.enable_call_recording);
    if (!recording || recording.status === 'initialised' || recording.status === 'recording') {
      if (!last) throw new Error(`call ${data.callId}: MessageBird has not finished step ${data.seq}'s recording yet`);
      this.settleUnread(data);
      return undefined;
    }
    if (recording.status === 'failed') {
      this.subject.next({ type: 'step-finished', ...this.base(data), status: 'failed' });
      return undefined;
    }
    const durationSeconds = Math.max(0, Math.floor(recording.duration ?? 0));
    const transcribing = step.transcribe && durationSeconds > 0;
    this.subject.next({
      type: 'step-finished',
      ...this.base(data),
      status: durationSeconds > 0 ? 'success_ok' : 'no_input',
      recording: { id: recording.id, durationSeconds, endedBy: recordingEndedBy(step, durationSeconds, data) },
      ...(transcribing && { transcriptionPending: true }),
    });
    return transcribing ? { recordingId: recording.id, legId: leg!.id } : undefined;
  }

  /** The last attempt: a step without a readable recording left no message; a transcription that never came failed. */
  private settleUnread(data: CollectLeftMessageJobData): void {
    if (data.finished) {
      this.subject.next({ type: 'transcription', callId: data.callId, at: new Date(), seq: data.seq, recordingId: data.finished.recordingId, status: 'failed' });
    } else {
      this.subject.next({ type: 'step-finished', ...this.base(data), status: 'no_input' });
    }
  }

  private base(data: CollectLeftMessageJobData) {
    return { callId: data.callId, at: new Date(), seq: data.seq, stepName: 'record' as const, path: describeStepPath(data.path) };
  }
}
