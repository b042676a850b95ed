import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { MessageBirdCall } from '../voice/messagebird/messagebird-api.types';
import { MessageBirdClient } from '../voice/messagebird/messagebird-client';
import { DISPATCH_WAKE_CHANNEL } from './queue.constants';
import { SlotLeasesService } from './slot-leases.service';

/*
 * A10 (docs/messagebird.md). GET /calls lists the account's calls newest first, a page at a time, each
 * with its `status`; a call that is not `ended` holds a line. Calls older than LOOKBACK_MS are taken as
 * over (no call of ours lasts that long), which bounds how far back the list is read; so does MAX_PAGES.
 */
const LOOKBACK_MS = 6 * 3600_000;
const MAX_PAGES = 50;

/**
 * MESSAGEBIRD_COUNT_EXTERNAL_CALLS=true: other apps' ongoing calls are the account's calls at MessageBird
 * that are not ended and were not placed by this service, instead of what PUT /organization/usage reports.
 * The account is the deployment's (one MESSAGEBIRD_ACCESS_KEY), so the count is every organization's
 * external usage. One worker at a time takes it (a Redis lock per interval); a change frees or takes
 * slots at once, as PUT /organization/usage does.
 */
@Injectable()
export class PlatformExternalCalls implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PlatformExternalCalls.name);
  private readonly pollMs: number;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly client: MessageBirdClient,
    private readonly db: DataSource,
    private readonly slots: SlotLeasesService,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.pollMs = config.messagebird!.externalCallsPollMs;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
    void this.tick();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes the count if no other worker did in this interval; returns it, or null when it was not this worker's turn (or failed). */
  async tick(): Promise<number | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const turn = await this.redis.client.set(this.redis.key('external-calls', 'poll'), String(process.pid), 'PX', Math.max(100, this.pollMs - 100), 'NX');
      if (turn !== 'OK') return null;
      const external = await this.countExternalCalls();
      await this.apply(external);
      return external;
    } catch (error) {
      // The last count stays in force until MessageBird answers again.
      this.logger.warn(`other apps' calls could not be counted from MessageBird: ${error}`);
      return null;
    } finally {
      this.running = false;
    }
  }

  private async countExternalCalls(): Promise<number> {
    const live = await this.liveAccountCalls();
    if (live.length === 0) return 0;
    const [{ ours }] = await this.db.query(`SELECT count(*)::int AS ours FROM calls WHERE provider_call_id = ANY($1::text[])`, [live.map((call) => call.id)]);
    return live.length - ours;
  }

  private async liveAccountCalls(): Promise<MessageBirdCall[]> {
    const since = Date.now() - LOOKBACK_MS;
    const live: MessageBirdCall[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data, pagination } = await this.client.listCalls(page);
      live.push(...data.filter((call) => call.status !== 'ended' && !(call.createdAt && Date.parse(call.createdAt) < since)));
      const oldest = data[data.length - 1]?.createdAt;
      if (data.length === 0 || !pagination || page >= pagination.pageCount || (oldest && Date.parse(oldest) < since)) break;
    }
    return live;
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
