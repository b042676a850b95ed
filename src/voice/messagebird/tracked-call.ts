import { TransferStep } from '../../call-flow/call-flow.types';
import { stepAt } from '../../call-flow/flow-interpreter';
import { AdoptedProgress, CallOutcome, DialRequest, VoiceEvent } from '../voice-provider';
import { calleeLeg, outcomeOfCalleeLeg, transferDestination, transferLeg, transferStatusOf } from './call-flow-translation';
import { stepStarted } from './fetch-progress';
import { CallUpdate } from './call-news';
import { MessageBirdLeg } from './messagebird-api.types';

interface OpenStep {
  event: Extract<VoiceEvent, { type: 'step-started' }>;
  /** For a transfer: the destination as our flow names it, and as it was sent to MessageBird. */
  transfer?: { ours: string; platform: string | null };
}

/**
 * One call this worker placed on MessageBird, as a state machine from what MessageBird reports
 * (webhooks, lookups) and what our fetchCallFlow endpoint decided, to the normalized events of the
 * VoiceProvider port: ringing, answered, step-started/finished, ended. Each is emitted once, in order;
 * news after the end is ignored.
 */
export class TrackedCall {
  providerCallId?: string;
  hangupRequested = false;
  lastNewsAt = Date.now();
  private calleeLegId?: string;
  private rang = false;
  private answered = false;
  private ended = false;
  private open?: OpenStep;
  /** A record step that was still open when the call ended (the callee hung up during it): its recording is read afterwards. */
  private recordCutShort?: Extract<VoiceEvent, { type: 'step-started' }>;
  /** News that came while the placement was in flight (MessageBird's call id was not known yet), replayed by placed(). */
  private early: ({ update: CallUpdate } | { steps: VoiceEvent[]; providerCallId?: string; recordsEnded?: number[] })[] = [];

  constructor(
    readonly request: DialRequest,
    private readonly sipDomain: string | undefined,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  get wasAnswered(): boolean {
    return this.answered;
  }

  /** The record step the call ended in, if it did (its step-finished comes once its recording is read). */
  get recordStepCutShort(): Extract<VoiceEvent, { type: 'step-started' }> | undefined {
    return this.recordCutShort;
  }

  /**
   * The placement returned `providerCallId`. Replays the updates that came before it; returns the
   * events, and the ids of other MessageBird calls reported for this call (a placement that was
   * retried after a timeout although it had gone through), which must be hung up.
   */
  placed(providerCallId: string): { events: VoiceEvent[]; strays: string[] } {
    this.providerCallId = providerCallId;
    const early = this.early;
    this.early = [];
    const events = early.flatMap((news) => ('update' in news ? this.onUpdate(news.update) : this.onSteps(news.steps, news.providerCallId, undefined, news.recordsEnded)));
    const ids = early.map((news) => ('update' in news ? news.update.providerCallId : news.providerCallId));
    const strays = [...new Set(ids.filter((id): id is string => id !== undefined && id !== providerCallId))];
    return { events, strays };
  }

  /** A call another worker placed and this one takes over: MessageBird's call, and what PostgreSQL recorded of it. */
  resume(providerCallId: string, progress: AdoptedProgress): void {
    this.providerCallId = providerCallId;
    this.answered = progress.answered;
    this.rang = progress.answered;
    if (progress.openStep) this.openStep(progress.openStep);
    // The answer and the first step's start are two writes: a worker that died between them left an
    // answered call with no step, whose first step is the one in progress.
    else if (progress.answered && progress.stepsRecorded === 0 && this.request.flow.steps.length > 0) this.openStep(this.firstStepStarted(new Date()));
  }

  /** A status/legs report from MessageBird. */
  onUpdate(update: CallUpdate, now = new Date()): VoiceEvent[] {
    this.lastNewsAt = Date.now();
    if (this.ended) return [];
    if (!this.providerCallId) {
      this.early.push({ update });
      return [];
    }
    if (update.providerCallId !== this.providerCallId) return [];
    const events: VoiceEvent[] = [];
    const legs = update.legs ?? [];
    const callee = this.calleeLegId ? legs.find((leg) => leg.id === this.calleeLegId) : calleeLeg(legs, this.request.phone);
    if (callee) {
      this.calleeLegId = callee.id;
      if (callee.status === 'ringing' && !this.rang && !this.answered) {
        this.rang = true;
        events.push({ type: 'ringing', callId: this.request.callId, at: now });
      }
      if (callee.status === 'ongoing' || callee.answeredAt) events.push(...this.answer(now));
      const outcome = outcomeOfCalleeLeg(callee, this.hangupRequested);
      if (outcome) return [...events, ...this.end(outcome, now, legs, failureReason(outcome, callee))];
    }
    if (update.status === 'ended') {
      const outcome: CallOutcome = this.answered ? 'answered' : this.hangupRequested ? 'cancelled' : 'failed';
      return [...events, ...this.end(outcome, now, legs, outcome === 'failed' ? 'MessageBird ended the call before it was answered' : undefined)];
    }
    return events;
  }

  /**
   * Step events from our fetchCallFlow endpoint, for the fetch MessageBird made on call `providerCallId`.
   * A fetch proves the call was answered, whatever the webhooks say yet. `recordsEnded`: record steps that
   * ended (their step-finished comes once their recording is read), so they are no longer open here.
   */
  onSteps(stepEvents: VoiceEvent[], providerCallId?: string, now = new Date(), recordsEnded: number[] = []): VoiceEvent[] {
    this.lastNewsAt = Date.now();
    if (this.ended) return [];
    if (!this.providerCallId) {
      this.early.push({ steps: stepEvents, providerCallId, recordsEnded });
      return [];
    }
    if (providerCallId !== undefined && providerCallId !== this.providerCallId) return [];
    const events = this.answer(now);
    if (this.open && recordsEnded.includes(this.open.event.seq)) this.open = undefined;
    for (const event of stepEvents) {
      if (event.type === 'step-finished' && this.open?.event.seq === event.seq) this.open = undefined;
      if (event.type === 'step-started') this.openStep(event);
      events.push(event);
    }
    return events;
  }

  /** Ends the call from this side (MessageBird no longer knows it, or this worker stops), with what is known of it. */
  endHere(reason: string, now = new Date()): VoiceEvent[] {
    const outcome: CallOutcome = this.answered ? 'answered' : this.hangupRequested ? 'cancelled' : 'failed';
    return this.end(outcome, now, [], outcome === 'failed' ? reason : undefined);
  }

  /**
   * Ends the call: the open step is closed first (an answered transfer as answered, else interrupted); an
   * open record step is left to be closed with its recording (`recordStepCutShort`).
   */
  end(outcome: CallOutcome, now: Date, legs: MessageBirdLeg[] = [], reason?: string): VoiceEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const events: VoiceEvent[] = [];
    if (this.open) {
      const { event, transfer } = this.open;
      const base = { ...event, type: 'step-finished' as const, at: now };
      const leg = transfer?.platform ? transferLeg(legs, transfer.platform, this.calleeLegId) : undefined;
      if (event.stepName === 'record') {
        this.recordCutShort = event;
      } else if (leg && transferStatusOf(leg) === 'answered') {
        events.push({ ...base, status: 'success_ok', transferStatus: 'answered', leg: { uuid: leg.id, type: 'transfer', dest: transfer!.ours } });
      } else {
        events.push({ ...base, status: 'interrupted' });
      }
      this.open = undefined;
    }
    events.push({ type: 'ended', callId: this.request.callId, at: now, outcome, ...(reason && { reason }) });
    return events;
  }

  /** The first time the call is known to be answered: `answered`, then the first step starts. */
  private answer(now: Date): VoiceEvent[] {
    if (this.answered) return [];
    this.answered = true;
    const events: VoiceEvent[] = [{ type: 'answered', callId: this.request.callId, at: now }];
    if (this.request.flow.steps.length > 0) {
      const first = this.firstStepStarted(now);
      this.openStep(first);
      events.push(first);
    }
    return events;
  }

  private firstStepStarted(at: Date): VoiceEvent {
    return stepStarted(this.request.flow, this.request.messages, this.request.callId, { seq: 0, path: [0], prompt: 1 }, at);
  }

  private openStep(event: VoiceEvent): void {
    if (event.type !== 'step-started') return;
    let transfer: OpenStep['transfer'];
    if (event.stepName === 'transfer') {
      const step = stepAt(this.request.flow, (event.path.match(/\d+/g) ?? []).map(Number)) as TransferStep;
      transfer = { ours: step.destination, platform: transferDestination(step.destination, this.sipDomain) };
    }
    this.open = { event, transfer };
  }
}

function failureReason(outcome: CallOutcome, leg: MessageBirdLeg): string | undefined {
  if (outcome !== 'failed') return undefined;
  return `MessageBird reported the call leg failed${leg.sipResponseCode ? ` (SIP ${leg.sipResponseCode})` : ''}`;
}
