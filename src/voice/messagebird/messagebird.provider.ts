import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { merge, Subject } from 'rxjs';
import { MessageBirdConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { MachineDetection } from '../machine-detection';
import { DataSource } from 'typeorm';
import { AdoptedProgress, DialRequest, OrphanCall, OrphanState, VoiceEvent, VoiceProvider } from '../voice-provider';
import { countOtherAccountCalls } from './account-calls';
import { initialCallFlow, platformNumber, TranslationOptions } from './call-flow-translation';
import { CALL_NEWS_CHANNEL, CallNews, CallUpdate, decodeNews } from './call-news';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdApiError } from './messagebird-errors';
import { beepUrl, callFlowUrl, webhookUrl } from './messagebird-urls';
import { LeftMessageCollector, LeftMessageJobs } from './left-message-collector';
import { RecordingsCollector } from './recordings-collector';
import { TrackedCall } from './tracked-call';

/** At shutdown, how long hung-up calls get to report their end before they are ended here. */
const SHUTDOWN_WAIT_MS = 3000;
/** Looking for an orphan's call in the account's list: how far before its dial start, and how many pages at most. */
const ORPHAN_CLOCK_SKEW_MS = 10_000;
const ORPHAN_MAX_PAGES = 20;

/**
 * The VoiceProvider port on the MessageBird Voice Calling API. `dial` places the call (POST /calls) with
 * the flow's first segment; MessageBird's webhooks and call-flow fetches reach any API process, which
 * verifies and records them and passes them on over Redis (CALL_NEWS_CHANNEL) to the worker that placed
 * the call: this one turns them into normalized events. A call without news for `reconcileAfterMs` is
 * looked up with GET /calls/{id}, so a lost message never keeps a call (and its slot) forever.
 */
export class MessageBirdProvider extends VoiceProvider implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MessageBirdProvider');
  private readonly subject = new Subject<VoiceEvent>();
  /** Its calls' events, and the record steps' results read afterwards (by whichever worker runs that job). */
  readonly events;
  /** Calls this process placed and that have not ended, by our call id. */
  private readonly calls = new Map<string, TrackedCall>();
  private readonly translation: TranslationOptions;
  /** MESSAGEBIRD_IF_MACHINE / _MACHINE_TIMEOUT_MS, for campaigns without their own machineDetection. */
  private readonly defaultMachineDetection: MachineDetection | null;
  private readonly straysHungUp = new Set<string>();
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling = false;

  constructor(
    private readonly config: MessageBirdConfig,
    private readonly redis: RedisService,
    private readonly client: MessageBirdClient,
    private readonly recordings: RecordingsCollector,
    private readonly db: DataSource,
    private readonly leftMessageJobs: LeftMessageJobs,
    leftMessages: LeftMessageCollector,
  ) {
    super();
    this.events = merge(this.subject.asObservable(), leftMessages.events);
    this.translation = {
      callFlowUrl: callFlowUrl(config),
      beepUrl: beepUrl(config),
      sipDomain: config.sipDomain,
      gatherTimeoutSeconds: config.gatherTimeoutSeconds,
    };
    this.defaultMachineDetection = config.ifMachine ? { ifMachine: config.ifMachine, ...(config.machineTimeoutMs !== undefined && { machineTimeout: config.machineTimeoutMs }) } : null;
  }

  async onModuleInit(): Promise<void> {
    await this.redis.subscribe(CALL_NEWS_CHANNEL, (message) => this.onNews(message));
    const every = Math.max(500, Math.min(this.config.reconcileAfterMs / 2, 10_000));
    this.reconcileTimer = setInterval(() => void this.reconcile(), every);
    this.reconcileTimer.unref();
  }

  async dial(request: DialRequest): Promise<{ providerCallId: string }> {
    const tracked = new TrackedCall(request, this.config.sipDomain);
    // Known before the placement: MessageBird may report on the call before POST /calls answers.
    this.calls.set(request.callId, tracked);
    let providerCallId: string;
    try {
      const call = await this.client.placeCall({
        source: platformNumber(request.caller),
        destination: platformNumber(request.phone),
        callFlow: initialCallFlow(request.flow, request.messages, request.callId, request.enableCallRecording, request.machineDetection ?? this.defaultMachineDetection, this.translation),
        webhook: { url: webhookUrl(this.config, request.callId), token: webhookToken(this.config, request.callId) },
      });
      providerCallId = call.id;
    } catch (error) {
      this.calls.delete(request.callId);
      throw error;
    }
    const { events, strays } = tracked.placed(providerCallId);
    for (const stray of strays) this.hangUpStray(tracked, stray);
    // Not from inside dial(): the dialer handles its result first.
    if (events.length > 0) setImmediate(() => this.emit(tracked, events));
    return { providerCallId };
  }

  /**
   * A call whose worker died after its dial started. MessageBird placed a call for it if the placement
   * returned an id (stored on the call), if MessageBird reported on it (its webhooks name our call, and
   * are kept in messagebird_events), or if the account lists a call to that number created since the dial
   * started that is none of ours (A11, docs/messagebird.md). Otherwise it never did.
   */
  async findOrphan(call: OrphanCall): Promise<OrphanState> {
    const providerCallId = call.providerCallId ?? (await this.reportedProviderCallId(call.callId)) ?? (await this.listedProviderCallId(call));
    return providerCallId ? { state: 'placed', providerCallId } : { state: 'never-placed' };
  }

  /** Follows a call another worker placed, from MessageBird's view of it now: it may have ended meanwhile. */
  adopt(request: DialRequest, providerCallId: string, progress: AdoptedProgress): void {
    const tracked = new TrackedCall(request, this.config.sipDomain);
    tracked.resume(providerCallId, progress);
    this.calls.set(request.callId, tracked);
    void this.lookUp(tracked, true);
  }

  private async reportedProviderCallId(callId: string): Promise<string | undefined> {
    const rows: { provider_call_id: string }[] = await this.db.query(
      `SELECT provider_call_id FROM messagebird_events WHERE call_id = $1 AND provider_call_id IS NOT NULL ORDER BY received_at LIMIT 1`,
      [callId],
    );
    return rows[0]?.provider_call_id;
  }

  private async listedProviderCallId(call: OrphanCall): Promise<string | undefined> {
    const destination = platformNumber(call.phone);
    // The placement began at the dial start; MessageBird's clock may differ from ours by a little.
    const since = call.dialStartedAt.getTime() - ORPHAN_CLOCK_SKEW_MS;
    for (let page = 1; page <= ORPHAN_MAX_PAGES; page++) {
      const { data, pagination } = await this.client.listCalls(page);
      const candidates = data.filter((c) => c.destination === destination && c.createdAt && Date.parse(c.createdAt) >= since).map((c) => c.id);
      if (candidates.length > 0) {
        const ours: { provider_call_id: string }[] = await this.db.query(`SELECT provider_call_id FROM calls WHERE provider_call_id = ANY($1::text[])`, [candidates]);
        const theirs = candidates.filter((id) => !ours.some((row) => row.provider_call_id === id));
        if (theirs.length > 0) return theirs[theirs.length - 1]; // the oldest: a retried placement's first call
      }
      const oldest = data[data.length - 1]?.createdAt;
      if (data.length === 0 || !pagination || page >= pagination.pageCount || (oldest && Date.parse(oldest) < since)) return undefined;
    }
    return undefined;
  }

  /** The port's optional capability: the account's ongoing calls this service did not place (A10). */
  countOtherOngoingCalls(): Promise<number> {
    return countOtherAccountCalls(this.client, this.db);
  }

  /** DELETE /calls/{id}, for a call this process placed (other processes' calls are theirs to hang up). */
  async hangup(providerCallId: string): Promise<void> {
    const tracked = [...this.calls.values()].find((call) => call.providerCallId === providerCallId);
    if (!tracked) return;
    tracked.hangupRequested = true;
    try {
      await this.client.deleteCall(providerCallId);
    } catch (error) {
      // Already over at MessageBird: its end is on its way (or the reconciler finds it).
      if (error instanceof MessageBirdApiError && error.notFound) return;
      throw error;
    }
  }

  /** Hangs up this process's calls and waits briefly for their end; calls that do not report it are ended here. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.reconcileTimer);
    const live = [...this.calls.values()].filter((call) => call.providerCallId);
    await Promise.all(live.map((call) => this.hangup(call.providerCallId!).catch((error) => this.logger.warn(`hang-up at shutdown failed: ${error}`))));
    const deadline = Date.now() + SHUTDOWN_WAIT_MS;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const call of [...this.calls.values()]) {
      this.emit(call, call.endHere('the worker running this call stopped before MessageBird reported its end'));
    }
  }

  private onNews(message: string): void {
    let news: CallNews;
    try {
      news = decodeNews(message);
    } catch (error) {
      this.logger.warn(`unreadable call news: ${error}`);
      return;
    }
    const tracked = this.calls.get(news.callId);
    if (!tracked) return; // another worker's call
    if (news.kind === 'update' && tracked.providerCallId && news.update.providerCallId !== tracked.providerCallId) {
      this.hangUpStray(tracked, news.update.providerCallId);
      return;
    }
    if (news.kind === 'update' && news.update.status === 'ended' && !news.update.legs?.length) {
      void this.withLegs(news.update).then((update) => this.emit(tracked, tracked.onUpdate(update)));
      return;
    }
    this.emit(tracked, news.kind === 'update' ? tracked.onUpdate(news.update) : tracked.onSteps(news.events, news.providerCallId, undefined, news.recordsEnded));
  }

  /** An end reported without legs: the legs say how it ended (busy, no answer, …), so they are looked up. */
  private async withLegs(update: CallUpdate): Promise<CallUpdate> {
    try {
      return { ...update, legs: await this.client.listLegs(update.providerCallId) };
    } catch (error) {
      this.logger.warn(`legs of MessageBird call ${update.providerCallId} could not be read: ${error}`);
      return update;
    }
  }

  /** Another MessageBird call reported for one of ours: a placement retried after a timeout although it had gone through. */
  private hangUpStray(tracked: TrackedCall, providerCallId: string): void {
    if (this.straysHungUp.has(providerCallId)) return;
    this.straysHungUp.add(providerCallId);
    if (this.straysHungUp.size > 10_000) this.straysHungUp.delete(this.straysHungUp.values().next().value!);
    this.logger.warn(`call ${tracked.request.callId}: MessageBird also placed ${providerCallId} (a retried placement); hanging it up`);
    void this.client.deleteCall(providerCallId).catch((error) => this.logger.warn(`hang-up of stray call ${providerCallId} failed: ${error}`));
  }

  private emit(tracked: TrackedCall, events: VoiceEvent[]): void {
    for (const event of events) this.subject.next(event);
    if (!tracked.isEnded || !this.calls.delete(tracked.request.callId)) return;
    const cutShort = tracked.recordStepCutShort;
    if (cutShort && tracked.providerCallId) {
      // The call ended during a record step (A14: `hangup`): what the callee said is read from MessageBird.
      const path = (cutShort.path.match(/\d+/g) ?? []).map(Number);
      this.leftMessageJobs
        .schedule({ callId: tracked.request.callId, providerCallId: tracked.providerCallId, seq: cutShort.seq, path, endKey: false, hungUp: true })
        .catch((error) => this.logger.warn(`call ${tracked.request.callId}: the message left at step ${cutShort.seq} will not be read (${error})`));
    }
    if (tracked.request.enableCallRecording && tracked.providerCallId) {
      this.recordings.schedule({ callId: tracked.request.callId, providerCallId: tracked.providerCallId, answered: tracked.wasAnswered });
    }
  }

  /** Looks up calls without news for longer than the limit; settles those MessageBird has ended or does not know. */
  async reconcile(): Promise<void> {
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      const stale = [...this.calls.values()].filter((call) => call.providerCallId && Date.now() - call.lastNewsAt > this.config.reconcileAfterMs);
      for (const tracked of stale) await this.lookUp(tracked, false);
    } finally {
      this.reconciling = false;
    }
  }

  /** GET /calls/{id} (and its legs): an ended call is settled; a running one is brought up to date only when just adopted. */
  private async lookUp(tracked: TrackedCall, adopted: boolean): Promise<void> {
    tracked.lastNewsAt = Date.now();
    const id = tracked.providerCallId!;
    try {
      const call = await this.client.getCall(id);
      if (call.status !== 'ended' && !adopted) return;
      const legs = await this.client.listLegs(id);
      if (call.status === 'ended') this.logger.warn(`call ${tracked.request.callId}: ${adopted ? 'taken over from a worker that stopped' : 'no news for a while'}; MessageBird says it ended`);
      this.emit(tracked, tracked.onUpdate({ providerCallId: id, status: call.status, legs }));
    } catch (error) {
      if (error instanceof MessageBirdApiError && error.notFound) {
        this.logger.warn(`call ${tracked.request.callId}: MessageBird does not know call ${id}; ending it`);
        this.emit(tracked, tracked.endHere('MessageBird no longer knows the call'));
      } else {
        this.logger.warn(`looking up call ${tracked.request.callId} failed: ${error}`);
      }
    }
  }
}

/** The `token` of the call's webhook: opaque to MessageBird, derived from the call so nothing has to be stored. */
function webhookToken(config: MessageBirdConfig, callId: string): string {
  return createHmac('sha256', config.signingKey).update(`webhook:${callId}`).digest('base64url');
}
