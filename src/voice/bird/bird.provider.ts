import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { merge, Observable, Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import { BirdConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { DialRequest, OrphanCall, OrphanState, VoiceEvent, VoiceProvider } from '../voice-provider';
import { BirdWebhookBody } from './bird-api.types';
import { BIRD_CALL_NEWS_CHANNEL, decodeBirdNews } from './bird-call-news';
import { BirdClient } from './bird-client';
import { BirdApiError } from './bird-errors';
import { BirdFollowUpJobs, BirdTranscriptionReader } from './bird-follow-ups';
import { BirdAction, BirdTrackedCall, Reaction } from './bird-tracked-call';
import { amdSettings, BIRD_LIVE_STATUSES, bridgeDestination, BirdTranslationOptions } from './bird-translation';
import { birdWebhookUrl } from './bird-urls';

/** At shutdown, how long hung-up calls get to report their end before they are ended here. */
const SHUTDOWN_WAIT_MS = 3000;
/** Looking for an orphan's call in the channel's list: how far before its dial start. */
const ORPHAN_CLOCK_SKEW_MS = 10_000;

/**
 * The VoiceProvider port on Bird's Channels Voice API. `dial` places the call with the first step's
 * command; Bird's webhooks reach any API process, which verifies and records them (bird_events) and passes
 * them on over Redis to the worker that placed the call: this one turns them into normalized events and
 * sends the next step's command (say, gather, record, bridge) or the hang-up. A call without news for
 * `reconcileAfterMs` is rebuilt from bird_events and looked up at Bird, so a lost message never keeps a
 * call (and its slot) forever; a dead worker's calls are rebuilt the same way by the worker that adopts them.
 * What is read from Bird after the events (a recorded call's recordings, a record step's transcription) is a
 * bull job any worker runs (BirdFollowUpJobs); a transcription's event joins this provider's events.
 */
export class BirdProvider extends VoiceProvider implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('BirdProvider');
  private readonly subject = new Subject<VoiceEvent>();
  readonly events: Observable<VoiceEvent>;
  /** Calls this process placed (or adopted) that have not ended, by our call id. */
  private readonly calls = new Map<string, BirdTrackedCall>();
  private readonly translation: BirdTranslationOptions;
  private readonly straysHungUp = new Set<string>();
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling = false;

  constructor(
    private readonly config: BirdConfig,
    private readonly redis: RedisService,
    private readonly client: BirdClient,
    private readonly db: DataSource,
    private readonly followUps: BirdFollowUpJobs,
    transcriptions: BirdTranscriptionReader,
  ) {
    super();
    this.events = merge(this.subject.asObservable(), transcriptions.events);
    this.translation = { sipDomain: config.sipDomain, gatherTimeoutSeconds: config.gatherTimeoutSeconds, ringTimeoutSeconds: config.ringTimeoutSeconds };
  }

  async onModuleInit(): Promise<void> {
    await this.redis.subscribe(BIRD_CALL_NEWS_CHANNEL, (message) => this.onNews(message));
    const every = Math.max(500, Math.min(this.config.reconcileAfterMs / 2, 10_000));
    this.reconcileTimer = setInterval(() => void this.reconcile(), every);
    this.reconcileTimer.unref();
  }

  async dial(request: DialRequest): Promise<{ providerCallId: string }> {
    const tracked = new BirdTrackedCall(request, this.translation);
    // Known before the placement: Bird may report on the call before the placement answers.
    this.calls.set(request.callId, tracked);
    let providerCallId: string;
    try {
      const amd = amdSettings(request.machineDetection);
      const call = await this.client.placeCall({
        to: bridgeDestination(request.phone, undefined) ?? request.phone,
        from: request.caller,
        ringTimeout: this.config.ringTimeoutSeconds,
        record: request.enableCallRecording,
        callFlow: tracked.initialCallFlow(),
        notification: { url: birdWebhookUrl(this.config, request.callId) },
        ...(amd && { amdSettings: amd }),
      });
      providerCallId = call.id;
    } catch (error) {
      this.calls.delete(request.callId);
      throw error;
    }
    const reaction = tracked.placed(providerCallId);
    // Not from inside dial(): the dialer handles its result first.
    setImmediate(() => this.react(tracked, reaction));
    return { providerCallId };
  }

  /** POST …/calls/{id}/hangup, for a call this process placed (other processes' calls are theirs to hang up). */
  async hangup(providerCallId: string): Promise<void> {
    const tracked = [...this.calls.values()].find((call) => call.providerCallId === providerCallId);
    if (!tracked) return;
    tracked.hangupRequested = true;
    try {
      await this.client.command(providerCallId, { command: 'hangup' });
    } catch (error) {
      // Already over at Bird: its end is on its way (or the reconciler finds it).
      if (error instanceof BirdApiError && error.notFound) return;
      throw error;
    }
  }

  /**
   * A call whose worker died after its dial started. Bird placed a call for it if the placement returned
   * an id (stored on the call), if Bird reported on it (bird_events), or if the channel lists a call to that
   * number created since the dial started that is none of ours. Otherwise it never did.
   */
  async findOrphan(call: OrphanCall): Promise<OrphanState> {
    const providerCallId = call.providerCallId ?? (await this.reportedProviderCallId(call.callId)) ?? (await this.listedProviderCallId(call));
    return providerCallId ? { state: 'placed', providerCallId } : { state: 'never-placed' };
  }

  /**
   * Other apps' ongoing calls on the channel (BIRD_COUNT_EXTERNAL_CALLS): its live calls (B17) less those this
   * service placed. A call counted in the instant between Bird creating it and our storing its id counts as
   * another app's for one interval: the error holds back a slot, never lets the limit be exceeded.
   */
  async countOtherOngoingCalls(): Promise<number> {
    const listed = await Promise.all(BIRD_LIVE_STATUSES.map((status) => this.client.listCalls({ status })));
    const live = [...new Set(listed.flat().map((call) => call.id))];
    if (live.length === 0) return 0;
    const [{ ours }]: { ours: number }[] = await this.db.query(`SELECT count(*)::int AS ours FROM calls WHERE provider_call_id = ANY($1::text[])`, [live]);
    return live.length - ours;
  }

  /** Follows a call another worker placed: rebuilt from bird_events, then brought up to date from Bird. */
  adopt(request: DialRequest, providerCallId: string): void {
    const tracked = new BirdTrackedCall(request, this.translation);
    tracked.placed(providerCallId);
    this.calls.set(request.callId, tracked);
    void this.catchUp(tracked, 'taken over from a worker that stopped', true);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.reconcileTimer);
    const live = [...this.calls.values()].filter((call) => call.providerCallId);
    await Promise.all(live.map((call) => this.hangup(call.providerCallId!).catch((error) => this.logger.warn(`hang-up at shutdown failed: ${error}`))));
    const deadline = Date.now() + SHUTDOWN_WAIT_MS;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const call of [...this.calls.values()]) this.emit(call, call.endHere('the worker running this call stopped before Bird reported its end'));
  }

  /** Looks up calls without news for longer than the limit. */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const stale = [...this.calls.values()].filter((call) => call.providerCallId && Date.now() - call.lastNewsAt > this.config.reconcileAfterMs);
      for (const tracked of stale) await this.catchUp(tracked, 'no news for a while');
    } finally {
      this.reconciling = false;
    }
  }

  private onNews(message: string): void {
    let news;
    try {
      news = decodeBirdNews(message);
    } catch (error) {
      this.logger.warn(`unreadable call news: ${error}`);
      return;
    }
    const tracked = this.calls.get(news.callId);
    if (!tracked) return; // another worker's call
    this.react(tracked, tracked.onWebhook(news.webhook, new Date(news.receivedAt)));
  }

  private react(tracked: BirdTrackedCall, reaction: Reaction): void {
    if (reaction.stray) this.hangUpStray(tracked, reaction.stray);
    this.emit(tracked, reaction.events);
    for (const pending of reaction.transcriptions) this.followUps.readTranscription({ ...pending, providerCallId: tracked.providerCallId! });
    if (reaction.action && !tracked.isEnded) void this.send(tracked, reaction.action);
  }

  private async send(tracked: BirdTrackedCall, action: BirdAction): Promise<void> {
    const id = tracked.providerCallId!;
    try {
      if (action.kind === 'hangup') {
        await this.client.command(id, { command: 'hangup' });
        tracked.hangupSent();
      } else {
        const answer = await this.client.command(id, action.command);
        tracked.commandSent(action.position, answer?.id);
      }
    } catch (error) {
      // The call is gone (its end is on its way), or Bird refused: the reconciliation settles the call either way.
      this.logger.warn(`call ${tracked.request.callId}: ${action.kind === 'hangup' ? 'hang-up' : action.command.command} on Bird call ${id} failed: ${error}`);
    }
  }

  /** Replays the call's webhooks from bird_events, then reads the call at Bird (an end is settled; a call Bird does not know is ended). */
  private async catchUp(tracked: BirdTrackedCall, why: string, adopted = false): Promise<void> {
    tracked.lastNewsAt = Date.now();
    let learned = 0;
    const id = tracked.providerCallId!;
    try {
      const rows: { body: BirdWebhookBody; received_at: Date }[] = await this.db.query(`SELECT body, received_at FROM bird_events WHERE call_id = $1 ORDER BY id`, [tracked.request.callId]);
      for (const row of rows) {
        const reaction = tracked.onWebhook(row.body, row.received_at);
        learned += reaction.events.length;
        this.react(tracked, withoutAction(reaction));
      }
      if (tracked.isEnded) return;
      const call = await this.client.getCall(id);
      if (call.status === 'completed' || call.status === 'busy' || call.status === 'no-answer' || call.status === 'failed' || call.status === 'canceled') {
        this.logger.warn(`call ${tracked.request.callId}: ${why}; Bird says it is ${call.status}`);
      }
      const now = tracked.onWebhook({ service: 'channels', event: 'voice.outbound', payload: call });
      learned += now.events.length;
      this.react(tracked, withoutAction(now));
      // What the replay says runs next and was perhaps never sent (its sender died): it is sent now. A call
      // that is still up with nothing new since the last look waits for a result that will not come: its
      // step's command is sent again.
      const due = tracked.pending ?? (learned === 0 && !adopted ? tracked.resendCurrent(this.config.reconcileAfterMs) : undefined);
      if (!tracked.isEnded && due) await this.send(tracked, due);
    } catch (error) {
      if (error instanceof BirdApiError && error.notFound) {
        this.logger.warn(`call ${tracked.request.callId}: Bird does not know call ${id}; ending it`);
        this.emit(tracked, tracked.endHere('Bird no longer knows the call'));
      } else {
        this.logger.warn(`looking up call ${tracked.request.callId} failed: ${error}`);
      }
    }
  }

  private emit(tracked: BirdTrackedCall, events: VoiceEvent[]): void {
    for (const event of events) this.subject.next(event);
    if (!tracked.isEnded || !this.calls.delete(tracked.request.callId)) return;
    if (tracked.request.enableCallRecording && tracked.providerCallId) {
      // Stored on the call once Bird is done with them (B16), so GET /status lists them.
      this.followUps.collectRecordings({ callId: tracked.request.callId, providerCallId: tracked.providerCallId, answered: tracked.wasAnswered });
    }
  }

  /** Another Bird call reported for one of ours: a placement retried after a timeout although it had gone through. */
  private hangUpStray(tracked: BirdTrackedCall, providerCallId: string): void {
    if (this.straysHungUp.has(providerCallId)) return;
    this.straysHungUp.add(providerCallId);
    if (this.straysHungUp.size > 10_000) this.straysHungUp.delete(this.straysHungUp.values().next().value!);
    this.logger.warn(`call ${tracked.request.callId}: Bird also placed ${providerCallId} (a retried placement); hanging it up`);
    void this.client.command(providerCallId, { command: 'hangup' }).catch((error) => this.logger.warn(`hang-up of stray call ${providerCallId} failed: ${error}`));
  }

  private async reportedProviderCallId(callId: string): Promise<string | undefined> {
    const rows: { provider_call_id: string }[] = await this.db.query(`SELECT provider_call_id FROM bird_events WHERE call_id = $1 ORDER BY id LIMIT 1`, [callId]);
    return rows[0]?.provider_call_id;
  }

  private async listedProviderCallId(call: OrphanCall): Promise<string | undefined> {
    const to = bridgeDestination(call.phone, undefined) ?? call.phone;
    const listed = await this.client.listCalls({ to, startAt: new Date(call.dialStartedAt.getTime() - ORPHAN_CLOCK_SKEW_MS) });
    const candidates = listed.filter((c) => c.to === undefined || c.to === to).map((c) => c.id);
    if (candidates.length === 0) return undefined;
    const ours: { provider_call_id: string }[] = await this.db.query(`SELECT provider_call_id FROM calls WHERE provider_call_id = ANY($1::text[])`, [candidates]);
    return candidates.find((id) => !ours.some((row) => row.provider_call_id === id));
  }
}

/** During a replay only the final state's command is sent (tracked.pending), not each one the replay passes. */
function withoutAction(reaction: Reaction): Reaction {
  return { ...reaction, action: undefined };
}
