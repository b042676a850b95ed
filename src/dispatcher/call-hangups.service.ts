import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import { VoiceProvider } from '../voice/voice-provider';
import { HANGUP_CHANNEL, HangupRequest } from './queue.constants';

/** How long a hang-up asked for a call whose dial is still in flight is remembered. */
const PENDING_HANGUP_MS = 5 * 60_000;

/**
 * Hangs up calls when a campaign or destination is cancelled with `hangup=true`. The request comes
 * from any API process over Redis; every worker asks its voice provider, which ignores calls it does
 * not run. A call whose dial is still in flight has no platform id yet: it is remembered, and hung up
 * as soon as its dial returns (see DialService).
 */
@Injectable()
export class CallHangupsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallHangupsService.name);
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly redis: RedisService,
    private readonly provider: VoiceProvider,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(HANGUP_CHANNEL, (message) => void this.hangUp(JSON.parse(message) as HangupRequest));
  }

  /** True once: the call was asked to hang up while its dial was in flight. */
  takePending(callId: string): boolean {
    return this.pending.delete(callId);
  }

  private async hangUp({ calls }: HangupRequest): Promise<void> {
    const now = Date.now();
    for (const [callId, at] of this.pending) if (now - at > PENDING_HANGUP_MS) this.pending.delete(callId);
    for (const call of calls) {
      if (!call.providerCallId) {
        this.pending.set(call.callId, now);
        continue;
      }
      await this.provider.hangup(call.providerCallId).catch((error) => this.logger.warn(`hang-up of call ${call.callId} failed: ${error}`));
    }
  }
}
