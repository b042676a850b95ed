import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, JobOptions, Queue } from 'bull';
import { Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { VoiceEvent } from '../voice-provider';
import { recordingsSettled, STORE_RECORDINGS_SQL } from '../call-recordings';
import { readBirdRecordings } from './bird-call-recordings';
import { BirdClient } from './bird-client';
import {
  BIRD_RECORDINGS_QUEUE,
  COLLECT_BIRD_RECORDINGS_ATTEMPTS,
  COLLECT_BIRD_RECORDINGS_JOB,
  CollectBirdRecordingsJobData,
  READ_BIRD_TRANSCRIPTION_ATTEMPTS,
  READ_BIRD_TRANSCRIPTION_JOB,
  ReadBirdTranscriptionJobData,
} from './bird-recordings-queue';
import { transcriptionState } from './bird-translation';

/** How long a job waits for its transcription event to be in PostgreSQL before it counts as not landed (and is tried again). */
const LANDING_WAIT_MS = 5000;

/**
 * Queues what is read from Bird after a call's events: a recorded call's recordings once it has ended, a
 * record step's transcription once the step has finished. A bull job (kept in Redis) is run by any worker,
 * so a worker that stops in those seconds leaves nothing unread.
 */
@Injectable()
export class BirdFollowUpJobs {
  private readonly logger = new Logger(BirdFollowUpJobs.name);

  constructor(
    @InjectQueue(BIRD_RECORDINGS_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** One job per Bird call: the same end seen again (a replay) adds nothing while the first is queued. */
  collectRecordings(data: CollectBirdRecordingsJobData): void {
    this.add(COLLECT_BIRD_RECORDINGS_JOB, data, `bird-recordings:${data.callId}:${data.providerCallId}`, COLLECT_BIRD_RECORDINGS_ATTEMPTS, `call ${data.callId}: its recordings will only be read when asked for`);
  }

  /** One job per recording. */
  readTranscription(data: ReadBirdTranscriptionJobData): void {
    this.add(READ_BIRD_TRANSCRIPTION_JOB, data, `bird-transcription:${data.callId}:${data.recordingId}`, READ_BIRD_TRANSCRIPTION_ATTEMPTS, `call ${data.callId}: step ${data.seq}'s transcription could not be queued`);
  }

  private add(name: string, data: object, jobId: string, attempts: number, whenLost: string): void {
    const delay = this.config.bird!.transcriptionPollMs;
    const options: JobOptions = { jobId, delay, attempts, backoff: { type: 'exponential', delay }, removeOnComplete: true, removeOnFail: 1000 };
    this.queue.add(name, data, options).catch((error) => this.logger.warn(`${whenLost} (${error})`));
  }
}

/**
 * Stores a recorded call's recordings on the call (B16), so GET /status lists them without asking Bird on
 * every read; throws (bull tries again, the wait doubling) while Bird is still making one, or an answered
 * call shows none yet.
 */
@Injectable()
export class BirdRecordingsCollector {
  constructor(
    private readonly client: BirdClient,
    private readonly db: DataSource,
  ) {}

  async collect({ callId, providerCallId, answered }: CollectBirdRecordingsJobData): Promise<void> {
    const recordings = await readBirdRecordings(this.client, providerCallId);
    await this.db.query(STORE_RECORDINGS_SQL, [callId, providerCallId, JSON.stringify(recordings)]);
    if (!recordingsSettled(recordings, answered)) throw new Error(`call ${callId}: Bird is still making its recordings`);
  }
}

/**
 * A record step's transcription (B6): read until Bird says it is available (its text) or failed, then the
 * `transcription` event follows. Its events join the BirdProvider's, so the worker running the job applies
 * them, whichever placed the call. A job is done once its event is in PostgreSQL (else it is tried again, and
 * finds it there or emits it again), so a worker that dies in between leaves nothing pending. The last attempt
 * settles a transcription still pending as `failed`.
 */
@Injectable()
export class BirdTranscriptionReader {
  private readonly logger = new Logger(BirdTranscriptionReader.name);
  private readonly subject = new Subject<VoiceEvent>();
  readonly events = this.subject.asObservable();

  constructor(
    private readonly client: BirdClient,
    private readonly db: DataSource,
  ) {}

  async read(job: Pick<Job<ReadBirdTranscriptionJobData>, 'data' | 'attemptsMade' | 'opts'>, landingWaitMs = LANDING_WAIT_MS): Promise<void> {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let emitted: boolean;
    try {
      emitted = await this.attempt(job.data, last);
    } catch (error) {
      if (!last) throw error;
      this.logger.warn(`call ${job.data.callId}: step ${job.data.seq}'s transcription could not be read from Bird (${error}); it failed`);
      this.emit(job.data, 'failed');
      emitted = true;
    }
    if (emitted && !last && !(await this.landed(job.data, landingWaitMs))) throw new Error(`call ${job.data.callId}: step ${job.data.seq}'s transcription was not recorded yet`);
  }

  /** Reads the transcription; true once its event was emitted. */
  private async attempt(data: ReadBirdTranscriptionJobData, last: boolean): Promise<boolean> {
    const call = await this.step(data);
    // Gone, or dialed again since (its steps are another attempt's).
    if (!call || call.provider_call_id !== data.providerCallId) return false;
    // The step's step-finished is applied by the worker that followed the call: until it is, the transcription has nowhere to land.
    if (call.recording_id !== data.recordingId) {
      if (last) return false;
      throw new Error(`call ${data.callId}: step ${data.seq}'s recording is not recorded yet`);
    }
    if (call.transcription !== null && call.transcription !== 'pending') return false;
    const transcriptions = await this.client.listTranscriptions(data.recordingId);
    const done = transcriptions.find((t) => transcriptionState(t.status) === 'done');
    if (done) {
      this.emit(data, 'done', await this.client.transcriptionText(done.id));
    } else if (transcriptions.length > 0 && transcriptions.every((t) => transcriptionState(t.status) === 'failed')) {
      this.emit(data, 'failed');
    } else if (!last) {
      throw new Error(`call ${data.callId}: Bird has not transcribed step ${data.seq}'s recording yet`);
    } else {
      this.logger.warn(`call ${data.callId}: step ${data.seq}'s transcription was still pending at Bird at the last read; it failed`);
      this.emit(data, 'failed');
    }
    return true;
  }

  private async step(data: ReadBirdTranscriptionJobData): Promise<{ provider_call_id: string | null; recording_id: string | null; transcription: string | null } | undefined> {
    const rows = await this.db.query(
      `SELECT provider_call_id, steps -> ($2::int) -> 'info' -> 'recording' ->> 'id' AS recording_id,
              steps -> ($2::int) -> 'info' -> 'transcription' ->> 'status' AS transcription
       FROM calls WHERE id = $1`,
      [data.callId, data.seq],
    );
    return rows[0];
  }

  /** Whether the emitted event has reached the step (CallEventsService applies it in this process). */
  private async landed(data: ReadBirdTranscriptionJobData, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const call = await this.step(data);
      if (!call || call.provider_call_id !== data.providerCallId || call.recording_id !== data.recordingId || (call.transcription !== null && call.transcription !== 'pending')) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private emit(data: ReadBirdTranscriptionJobData, status: 'done' | 'failed', text?: string): void {
    this.subject.next({ type: 'transcription', callId: data.callId, at: new Date(), seq: data.seq, recordingId: data.recordingId, status, ...(text !== undefined && { text }) });
  }
}

@Processor(BIRD_RECORDINGS_QUEUE)
export class BirdFollowUpProcessor {
  constructor(
    private readonly recordings: BirdRecordingsCollector,
    private readonly transcriptions: BirdTranscriptionReader,
  ) {}

  @Process(COLLECT_BIRD_RECORDINGS_JOB)
  collectRecordings(job: Job<CollectBirdRecordingsJobData>): Promise<void> {
    return this.recordings.collect(job.data);
  }

  @Process(READ_BIRD_TRANSCRIPTION_JOB)
  readTranscription(job: Job<ReadBirdTranscriptionJobData>): Promise<void> {
    return this.transcriptions.read(job);
  }
}
