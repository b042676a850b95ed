import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { VoiceProvider } from '../voice/voice-provider';
import { DISPATCH_WAKE_CHANNEL } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';

/**
 * MESSAGEBIRD_COUNT_EXTERNAL_CALLS=true or BIRD_COUNT_EXTERNAL_CALLS=true, on a voice platform that can count its account's other ongoing
 * calls (the port's optional `countOtherOngoingCalls`): other apps' ongoing calls are that count instead of
 * what PUT /organization/usage reports. The account is the deployment's, so the count is every organization's
 * external usage. One worker at a time takes it (a Redis lock per interval); a change frees or takes slots at
 * once, as PUT /organization/usage does. On a platform without the capability it does nothing (and says so).
 */
@Injectable()
export class PlatformExternalCalls implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PlatformExternalCalls.name);
  private readonly pollMs: number;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly provider: VoiceProvider,
    private readonly db: DataSource,
    private readonly slots: SlotLeasesService,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.pollMs = config.externalCallsFromPlatform?.pollMs ?? 5_000;
  }

  onModuleInit(): void {
    if (!this.provider.countOtherOngoingCalls) {
      this.logger.warn("this voice platform cannot count its account's other calls: other apps' calls are taken from PUT /organization/usage");
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
    void this.tick();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes the count if no other worker did in this interval; returns it, or null when it was not this worker's turn (or failed). */
  async tick(): Promise<number | null> {
    if (this.running || !this.provider.countOtherOngoingCalls) return null;
    this.running = true;
    try {
      const turn = await this.redis.client.set(this.redis.key('external-calls', 'poll'), String(process.pid), 'PX', Math.max(100, this.pollMs - 100), 'NX');
      if (turn !== 'OK') return null;
      const external = await this.provider.countOtherOngoingCalls();
      await this.apply(external);
      return external;
    } catch (error) {
      // The last count stays in force until the platform answers again.
      this.logger.warn(`other apps' calls could not be counted from the voice platform: ${error}`);
      return null;
    } finally {
      this.running = false;
    }
  }

  /** Every organization's external usage becomes `external`; the dispatchers of those whose count changed look again at once. */
  private async apply(external: number): Promise<void> {
    const changed: { id: string; max_concurrent_calls: number }[] = await this.db.query(
      `WITH changed AS (
         UPDATE organizations SET external_ongoing_calls = $1 WHERE external_ongoing_calls <> $1 RETURNING id, max_concurrent_calls
       )
       SELECT * FROM changed`,
      [external],
    );
    for (const organization of changed) {
      await this.slots.setLimits(organization.id, { limit: organization.max_concurrent_calls, external });
      await this.redis.publish(DISPATCH_WAKE_CHANNEL, organization.id);
    }
  }
}
