import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { recordingsSettled, STORE_RECORDINGS_SQL } from '../call-recordings';
import { readRecordings, toRecordingRecord } from './call-recordings';
import { LeftMessageCollector } from './left-message-collector';
import { MessageBirdClient } from './messagebird-client';
import {
  COLLECT_LEFT_MESSAGE_JOB,
  COLLECT_RECORDINGS_ATTEMPTS,
  COLLECT_RECORDINGS_JOB,
  CollectLeftMessageJobData,
  CollectRecordingsJobData,
  RECORDINGS_QUEUE,
} from './recordings-queue';

/**
 * Stores a recorded call's recordings on the call once it has ended, so GET /status lists them without
 * asking MessageBird on every read. MessageBird may still be processing a recording when the call ends
 * (`initialised`, `recording`): the job stores what it read and is retried with a doubling wait until
 * every recording is `done` or `failed`. A bull job (kept in Redis) survives a worker restart.
 */
@Injectable()
export class RecordingsCollector {
  private readonly logger = new Logger(RecordingsCollector.name);

  constructor(
    @InjectQueue(RECORDINGS_QUEUE) private readonly queue: Queue<CollectRecordingsJobData>,
    private readonly client: MessageBirdClient,
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  schedule(data: CollectRecordingsJobData): void {
    this.queue
      .add(COLLECT_RECORDINGS_JOB, data, {
        jobId: `${data.callId}:${data.providerCallId}`,
        attempts: COLLECT_RECORDINGS_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.messagebird!.recordingsRetryMs },
        removeOnComplete: true,
        removeOnFail: 1000,
      })
      .catch((error) => this.logger.warn(`call ${data.callId}: its recordings will only be read when asked for (${error})`));
  }

  /** Reads and stores the recordings; throws (so bull tries again later) while MessageBird is not done with them. */
  async collect({ callId, providerCallId, answered }: CollectRecordingsJobData): Promise<void> {
    const recordings = (await readRecordings(this.client, providerCallId)).map(toRecordingRecord);
    await this.db.query(STORE_RECORDINGS_SQL, [callId, providerCallId, JSON.stringify(recordings)]);
    if (!recordingsSettled(recordings, answered)) throw new Error(`call ${callId}: MessageBird is still processing its recordings`);
  }
}

@Processor(RECORDINGS_QUEUE)
export class RecordingsProcessor {
  constructor(
    private readonly collector: RecordingsCollector,
    private readonly leftMessages: LeftMessageCollector,
  ) {}

  @Process(COLLECT_RECORDINGS_JOB)
  collect(job: Job<CollectRecordingsJobData>): Promise<void> {
    return this.collector.collect(job.data);
  }

  @Process(COLLECT_LEFT_MESSAGE_JOB)
  collectLeftMessage(job: Job<CollectLeftMessageJobData>): Promise<void> {
    return this.leftMessages.collect(job);
  }
}
