import { Process, Processor } from '@nestjs/bull';
import { Job } from 'bull';
import { DialService } from './dial.service';
import { DIAL_JOB, DIAL_QUEUE, DialJobData } from './queue.constants';

/** How many dial jobs one worker process runs at once (a dial only places the call; it does not wait for its end). */
export const DIAL_CONCURRENCY = Number(process.env.DIAL_CONCURRENCY ?? 200); // read at load time: decorators need a constant

@Processor(DIAL_QUEUE)
export class DialProcessor {
  constructor(private readonly dialService: DialService) {}

  @Process({ name: DIAL_JOB, concurrency: DIAL_CONCURRENCY })
  dial(job: Job<DialJobData>): Promise<void> {
    return this.dialService.dial(job.data);
  }
}
