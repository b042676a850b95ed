import { JobOptions } from 'bull';

/** Every queue and job name of the service, and their default options, in one place. */
export const DIAL_QUEUE = 'dial';
export const DIAL_JOB = 'dial-call';

export const DIAL_JOB_OPTIONS: JobOptions = {
  // A dial is never retried by bull: a second attempt could ring the same person twice.
  // A failed dial is recorded on the call instead (retries per outcome are a campaign setting).
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: 1000,
};

export interface DialJobData {
  callId: string;
  organizationId: string;
  leaseId: string;
  /** When the lease was acquired (ms since the epoch). */
  leasedAt: number;
}

/**
 * Redis pub/sub channel that wakes dispatchers: message = organization id, then, from a service that has woken
 * its own dispatcher already, a space and that service's tag (LeaseKeeper.wakeTag): its dispatcher skips it.
 */
export const DISPATCH_WAKE_CHANNEL = 'dispatch:wake';

/** The organization a wake-up is for; undefined when the service tagged `ownTag` sent it (its dispatcher is awake). */
export function wokenOrganization(message: string, ownTag: string): string | undefined {
  const [organizationId, sender] = message.split(' ');
  return sender === ownTag ? undefined : organizationId;
}

/** Redis pub/sub channel asking workers to hang up calls: message = JSON HangupRequest. */
export const HANGUP_CHANNEL = 'calls:hangup';

export interface HangupRequest {
  calls: { callId: string; providerCallId: string | null }[];
}
