import { FlowStep, GatherStep, RecordStep, TransferStep } from '../../call-flow/call-flow.types';
import { decideGather, describeStepPath, nextStepPath, StepOutcome, stepAt, stepMessage } from '../../call-flow/flow-interpreter';
import { CallOutcome, DialRequest, StepStartedEvent, VoiceEvent } from '../voice-provider';
import { BirdCommand, BirdCommandResult, BirdFinishedCommand, BirdWebhookBody } from './bird-api.types';
import {
  BirdTranslationOptions,
  commandFor,
  commandNameOf,
  FlowPosition,
  isFinalStatus,
  outcomeOf,
  recordingEndedBy,
  transferStatusOf,
} from './bird-translation';

/** What the worker does next on Bird: send the command of a step, or hang up (the flow is over). */
export type BirdAction = { kind: 'command'; position: FlowPosition; command: BirdCommand } | { kind: 'hangup' };

/** A record step whose transcription is on its way. */
export interface PendingTranscription {
  callId: string;
  seq: number;
  recordingId: string;
}

export interface Reaction {
  events: VoiceEvent[];
  action?: BirdAction;
  transcriptions: PendingTranscription[];
  /** Another Bird call reported for ours: a placement retried after a timeout that had gone through. */
  stray?: string;
}

/**
 * One call placed on Bird, as a state machine from Bird's webhooks to the normalized events of the
 * VoiceProvider port and the command that runs next. It always knows the step the call is in
 * (`position`) and the command it waits for. Each event is emitted once, in order; news that is
 * stale (a finished command seen before, a command of an earlier step) or comes after the end is
 * ignored, so the same webhooks can be replayed from bird_events to rebuild the call.
 */
export class BirdTrackedCall {
  providerCallId?: string;
  hangupRequested = false;
  lastNewsAt = Date.now();
  /** The command computed last and not yet known to be sent (a replay ends by sending it). */
  pending?: BirdAction;
  private rang = false;
  private answered = false;
  private ended = false;
  private position?: FlowPosition;
  private outstandingCommandId?: string;
  private readonly finishedCommandIds = new Set<string>();
  private open?: StepStartedEvent;
  private machineHandled = false;
  private commandStartedAt = 0;
  private early: { webhook: BirdWebhookBody; at: Date }[] = [];

  constructor(
    readonly request: DialRequest,
    private readonly options: BirdTranslationOptions,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  get wasAnswered(): boolean {
    return this.answered;
  }

  /** The command given with the placement: the first step's (B2); none for a first step Bird cannot be asked to run. */
  initialCallFlow(): BirdCommand[] {
    const first = this.request.flow.steps[0];
    const command = first ? commandFor(first, this.request.messages, this.request.caller, this.options) : null;
    return command ? [command] : [];
  }

  /** The placement returned Bird's id: the webhooks that came before it are applied now. */
  placed(providerCallId: string): Reaction {
    this.providerCallId = providerCallId;
    const early = this.early;
    this.early = [];
    return merge(early.map(({ webhook, at }) => this.onWebhook(webhook, at)));
  }

  /** Bird acknowledged the command sent for `position` with its id. */
  commandSent(position: FlowPosition, commandId: string | undefined): void {
    if (this.pending?.kind === 'command' && samePosition(this.pending.position, position)) this.pending = undefined;
    if (commandId && this.position && samePosition(this.position, position) && !this.outstandingCommandId && !this.finishedCommandIds.has(commandId)) {
      this.outstandingCommandId = commandId;
    }
  }

  /**
   * The command of the step the call is in, to be sent again: its result never came (a webhook Bird gave up
   * delivering). The step's events stay as they are; the new command's result is the one awaited.
   */
  resendCurrent(graceMs: number, now = Date.now()): BirdAction | undefined {
    if (this.ended || !this.answered || !this.position) return undefined;
    const step = stepAt(this.request.flow, this.position.path);
    // A bridge lasts as long as the bridged call; any other step is overdue once it could not still be running.
    if (step.name === 'transfer' || now - this.commandStartedAt < longestRunMs(step, this.request.messages, this.options) + graceMs) return undefined;
    const command = commandFor(step, this.request.messages, this.request.caller, this.options);
    if (!command) return undefined;
    this.commandStartedAt = now;
    this.outstandingCommandId = undefined;
    this.pending = { kind: 'command', position: this.position, command };
    return this.pending;
  }

  hangupSent(): void {
    if (this.pending?.kind === 'hangup') this.pending = undefined;
  }

  onWebhook(webhook: BirdWebhookBody, at = new Date()): Reaction {
    this.lastNewsAt = Date.now();
    const reaction: Reaction = { events: [], transcriptions: [] };
    if (this.ended) return reaction;
    if (!this.providerCallId) {
      this.early.push({ webhook, at });
      return reaction;
    }
    const { payload } = webhook;
    if (payload.id !== this.providerCallId) return { ...reaction, stray: payload.id };
    if (payload.status === 'ringing' && !this.rang && !this.answered) {
      this.rang = true;
      reaction.events.push({ type: 'ringing', callId: this.request.callId, at });
    }
    // A finished command proves the call was answered, whatever the lifecycle events say yet.
    if (payload.status === 'ongoing' || payload.command) this.answer(at, reaction);
    if (payload.amd?.result === 'machine' && this.request.machineDetection?.ifMachine === 'hangup' && !this.machineHandled && this.answered) {
      this.machineHandled = true;
      this.act(reaction, { kind: 'hangup' });
    }
    if (payload.command) this.applyCommand(payload.command, at, reaction);
    if (isFinalStatus(payload.status)) {
      const outcome = outcomeOf(payload.status, this.answered, this.hangupRequested);
      const reason = outcome === 'failed' ? `Bird reported the call ${payload.status}${payload.reason ? ` (${payload.reason})` : ''}${payload.hangupCauseCode ? ` (SIP ${payload.hangupCauseCode})` : ''}` : undefined;
      reaction.events.push(...this.end(outcome, at, reason));
      reaction.action = undefined;
    }
    return reaction;
  }

  /** Ends the call from this side (Bird no longer knows it, or this worker stops), with what is known of it. */
  endHere(reason: string, at = new Date()): VoiceEvent[] {
    const outcome: CallOutcome = this.answered ? 'answered' : this.hangupRequested ? 'cancelled' : 'failed';
    return this.end(outcome, at, outcome === 'failed' ? reason : undefined);
  }

  private end(outcome: CallOutcome, at: Date, reason?: string): VoiceEvent[] {
    if (this.ended) return [];
    this.ended = true;
    this.pending = undefined;
    const events: VoiceEvent[] = [];
    if (this.open) events.push({ ...this.open, type: 'step-finished', at, status: 'interrupted' });
    this.open = undefined;
    events.push({ type: 'ended', callId: this.request.callId, at, outcome, ...(reason && { reason }) });
    return events;
  }

  /** The first time the call is known to be answered: `answered`, then the first step starts (its command came with the placement). */
  private answer(at: Date, reaction: Reaction): void {
    if (this.answered) return;
    this.answered = true;
    this.rang = true;
    reaction.events.push({ type: 'answered', callId: this.request.callId, at });
    if (this.request.flow.steps.length > 0) this.start({ seq: 0, path: [0], prompt: 1 }, at, reaction, true);
    else this.act(reaction, { kind: 'hangup' });
  }

  /** The step at `position` starts; its command is sent unless the placement already carried it. */
  private start(position: FlowPosition, at: Date, reaction: Reaction, carriedByPlacement = false): void {
    const step = stepAt(this.request.flow, position.path);
    this.position = position;
    this.outstandingCommandId = undefined;
    this.commandStartedAt = at.getTime();
    if (position.prompt === 1) {
      this.open = {
        type: 'step-started',
        callId: this.request.callId,
        at,
        seq: position.seq,
        stepName: step.name,
        path: describeStepPath(position.path),
        ...(stepMessage(step) && { message: this.request.messages[stepMessage(step)!.messageIndex] }),
      };
      reaction.events.push(this.open);
    }
    const command = commandFor(step, this.request.messages, this.request.caller, this.options);
    // A transfer Bird cannot be asked to make (Ext: without BIRD_SIP_DOMAIN) fails at once and the flow goes on.
    if (!command) return this.finish(step, { status: 'failed' }, at, reaction);
    if (!carriedByPlacement) this.act(reaction, { kind: 'command', position, command });
  }

  private applyCommand(command: BirdFinishedCommand, at: Date, reaction: Reaction): void {
    if (!this.position || this.finishedCommandIds.has(command.id)) return;
    if (this.outstandingCommandId && command.id !== this.outstandingCommandId) return;
    const step = stepAt(this.request.flow, this.position.path);
    if (command.command !== commandNameOf(step)) return;
    this.finishedCommandIds.add(command.id);
    this.outstandingCommandId = undefined;
    this.finish(step, command.status === 'failed' && !command.result ? { status: 'failed' } : (command.result ?? {}), at, reaction);
  }

  /** The step in `position` ended with `result`: it is reported, and the interpreter's rules say what runs next. */
  private finish(step: FlowStep, result: BirdCommandResult, at: Date, reaction: Reaction): void {
    const position = this.position!;
    const base = { ...this.open!, type: 'step-finished' as const, at };
    let outcome: StepOutcome;
    switch (step.name) {
      case 'play':
        reaction.events.push({ ...base, status: 'success_ok' });
        outcome = { step: 'play' };
        break;
      case 'gather': {
        const decision = decideGather(step as GatherStep, (result.keys ?? '').slice(0, 1), position.prompt);
        if (decision.action === 'reprompt') return this.start({ ...position, prompt: position.prompt + 1 }, at, reaction);
        const accepted = decision.action === 'follow' ? decision.acceptedDigit : '';
        const optOut = decision.action === 'follow' && (step as GatherStep).branches[decision.branchIndex].optOut;
        reaction.events.push({ ...base, status: accepted ? 'success_ok' : 'no_input', userPressedDigits: accepted, ...(optOut && { optOut: true }) });
        outcome = { step: 'gather', branchIndex: decision.action === 'follow' ? decision.branchIndex : null };
        break;
      }
      case 'record': {
        const record = step as RecordStep;
        const seconds = result.recordingId ? Math.max(0, result.duration ?? 0) : 0;
        const recording = result.recordingId ? { id: result.recordingId, durationSeconds: seconds, endedBy: recordingEndedBy(result.endCause) } : undefined;
        const pending = record.transcribe && seconds > 0;
        reaction.events.push({ ...base, status: seconds > 0 ? 'success_ok' : 'no_input', ...(recording && { recording }), ...(pending && { transcriptionPending: true }) });
        if (pending) reaction.transcriptions.push({ callId: this.request.callId, seq: position.seq, recordingId: result.recordingId! });
        outcome = { step: 'record' };
        break;
      }
      case 'transfer': {
        const status = transferStatusOf(result);
        const leg = result.callId ? { uuid: result.callId, type: 'transfer' as const, dest: (step as TransferStep).destination } : undefined;
        reaction.events.push({ ...base, status: status === 'answered' ? 'success_ok' : 'failed', transferStatus: status, ...(leg && { leg }) });
        outcome = { step: 'transfer', answered: status === 'answered' };
        break;
      }
    }
    this.open = undefined;
    const next = nextStepPath(this.request.flow, position.path, outcome);
    if (next) return this.start({ seq: position.seq + 1, path: next, prompt: 1 }, at, reaction);
    this.position = undefined;
    // An answered bridge ends the call when the bridged call does (hangupAfterBridge, B7): nothing to hang up.
    if (!(outcome.step === 'transfer' && outcome.answered)) this.act(reaction, { kind: 'hangup' });
  }

  private act(reaction: Reaction, action: BirdAction): void {
    reaction.action = action;
    this.pending = action;
  }
}

/** The longest a step's command can take (speech at a generous 10 characters a second). */
function longestRunMs(step: FlowStep, messages: string[], options: BirdTranslationOptions): number {
  const speech = (text: string) => text.length * 100;
  switch (step.name) {
    case 'play':
      return speech(messages[step.message.messageIndex]);
    case 'gather':
      return speech(messages[step.message.messageIndex]) + options.gatherTimeoutSeconds * 1000;
    case 'record':
      return (step.maxLength + step.timeout) * 1000;
    case 'transfer':
      return Infinity;
  }
}

function samePosition(a: FlowPosition, b: FlowPosition): boolean {
  return a.seq === b.seq && a.prompt === b.prompt && a.path.join('.') === b.path.join('.');
}

function merge(reactions: Reaction[]): Reaction {
  const merged: Reaction = { events: [], transcriptions: [] };
  for (const r of reactions) {
    merged.events.push(...r.events);
    merged.transcriptions.push(...r.transcriptions);
    if (r.action) merged.action = r.action;
    if (r.stray) merged.stray = r.stray;
  }
  return merged;
}
