import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { CallEndedError, CallLeg, runCallFlow } from '../../call-flow/flow-runner';
import { RecordStep, TransferStatus } from '../../call-flow/call-flow.types';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { CallOutcome, DialRequest, StepRecording, VoiceEvent, VoiceProvider } from '../voice-provider';
import { SimulatorConcurrencyCounter } from './simulator-concurrency-counter';
import { behaviourFor, CalleeBehaviour, loadSimulatorScript, ScriptedMessage, SimulatorScript } from './simulator-script';

const DEFAULT_TRANSCRIPT_DELAY_MS = 2000;

/** The wall clock to the microsecond: the high-resolution time origin plus the monotonic time since. */
function microsecondsNow(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * The default voice platform: a deterministic telephone network in this process.
 * Callees behave as SIMULATOR_SCRIPT says; every duration is divided by SIMULATOR_SPEED.
 */
@Injectable()
export class SimulatorProvider extends VoiceProvider implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(SimulatorProvider.name);
  private readonly subject = new Subject<VoiceEvent>();
  readonly events = this.subject.asObservable();
  private readonly script: SimulatorScript;
  private readonly speed: number;
  private readonly live = new Map<string, SimulatedCall>();
  private closed = false;
  /** SIMULATOR_CONCURRENCY_KEY: counts live calls across processes, independently of the service's bookkeeping. */
  private readonly counter?: SimulatorConcurrencyCounter;

  constructor(@Inject(APP_CONFIG) config: ResolvedConfig) {
    super();
    this.script = loadSimulatorScript(config.simulator.scriptPath);
    this.speed = config.simulator.speed;
    const counter = config.simulator.concurrencyCounter;
    if (counter) this.counter = new SimulatorConcurrencyCounter(counter.key, counter.redisUrl ?? config.redisUrl);
  }

  async dial(request: DialRequest): Promise<{ providerCallId: string }> {
    if (this.closed) throw new Error('the simulator is shutting down');
    const providerCallId = `sim-${randomUUID()}`;
    const counter = this.counter;
    const emit = counter
      ? (event: VoiceEvent) => (event.type === 'ended' ? void counter.ended(providerCallId).then(() => this.subject.next(event)) : this.subject.next(event))
      : (event: VoiceEvent) => this.subject.next(event);
    const call = new SimulatedCall(request, behaviourFor(this.script, request.phone), this.script, this.speed, emit, (ms, fn) => this.later(ms, fn));
    this.live.set(providerCallId, call);
    await counter?.started(providerCallId, request.phone);
    call
      .run()
      .catch((error) => this.logger.error(`simulated call ${request.callId} crashed: ${error}`))
      .finally(() => this.live.delete(providerCallId));
    return { providerCallId };
  }

  async hangup(providerCallId: string): Promise<void> {
    this.live.get(providerCallId)?.hangup();
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const call of this.live.values()) call.hangup();
    for (const timer of this.transcriptions) clearTimeout(timer);
  }

  /** Transcriptions arrive after their call may have ended, so their timers belong to the provider, not the call. */
  private readonly transcriptions = new Set<NodeJS.Timeout>();
  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.transcriptions.delete(timer);
      fn();
    }, ms / this.speed);
    this.transcriptions.add(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.counter?.close();
  }
}

class SimulatedCall implements CallLeg {
  private hungUp = false;
  private answered = false;
  private gatherPrompts = 0;
  private recordSteps = 0;
  private readonly pending = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly request: DialRequest,
    private readonly callee: CalleeBehaviour,
    private readonly script: SimulatorScript,
    private readonly speed: number,
    private readonly emit: (event: VoiceEvent) => void,
    private readonly later: (ms: number, fn: () => void) => void,
  ) {}

  private seq = -1;

  async run(): Promise<void> {
    const callId = this.request.callId;
    const end = (outcome: CallOutcome, reason?: string) => {
      const atMicros = microsecondsNow();
      this.emit({ type: 'ended', callId, at: new Date(Math.floor(atMicros / 1000)), atMicros, outcome, ...(reason && { reason }) });
    };
    try {
      if (this.callee.answer === 'failed') return end('failed', 'network refused the call');
      this.emit({ type: 'ringing', callId, at: new Date() });
      await this.wait(this.callee.ringMs);
      if (this.callee.answer !== 'answered') return end(this.callee.answer);
      this.answered = true;
      this.emit({ type: 'answered', callId, at: new Date() });
      if (this.callee.hangupAfterMs !== null) this.timer(this.callee.hangupAfterMs, () => this.hangup());
      await runCallFlow(this.request.flow, this.request.messages, this, {
        stepStarted: (r) => {
          this.seq = r.seq;
          this.emit({ type: 'step-started', callId, at: new Date(), ...r });
        },
        stepFinished: ({ transferLegId, transferDestination, ...r }) =>
          this.emit({
            type: 'step-finished',
            callId,
            at: new Date(),
            ...r,
            ...(transferLegId && { leg: { uuid: transferLegId, type: 'transfer' as const, dest: transferDestination! } }),
          }),
      });
      end('answered');
    } catch (error) {
      if (!(error instanceof CallEndedError)) throw error;
      // Hung up before the answer: we cancelled it. After the answer: the call was still answered.
      end(this.answered ? 'answered' : 'cancelled');
    } finally {
      this.clearTimers();
    }
  }

  hangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    for (const wake of this.pending) wake();
  }

  async speak(text: string): Promise<void> {
    await this.wait(text.length * this.script.msPerChar);
  }

  async promptForKey(text: string): Promise<string> {
    await this.wait(text.length * this.script.msPerChar);
    const key = this.callee.digits[this.gatherPrompts++] ?? '';
    await this.wait(key === '' ? this.script.inputTimeoutMs : this.script.keypressMs);
    return key;
  }

  async transfer(): Promise<{ status: TransferStatus; legId: string }> {
    const legId = `sim-leg-${randomUUID()}`;
    await this.wait(this.callee.transferRingMs);
    if (this.callee.transfer === 'answered') await this.wait(this.callee.transferTalkMs);
    return { status: this.callee.transfer, legId };
  }

  /**
   * The callee speaks the scripted seconds (cut at maxLength), then presses the end key, falls silent
   * for the step's timeout, or hangs up. A silent callee leaves nothing after `timeout` seconds.
   */
  async record(step: RecordStep): Promise<{ recording: StepRecording; transcriptionPending: boolean }> {
    const scripted = this.callee.record;
    const message: ScriptedMessage | undefined = Array.isArray(scripted) ? scripted[this.recordSteps] : (scripted ?? undefined);
    this.recordSteps++;
    const id = `sim-rec-${randomUUID()}`;
    const seq = this.seq;
    if (!message || message.seconds <= 0) {
      await this.wait(step.timeout * 1000);
      return { recording: { id, durationSeconds: 0, endedBy: 'silence' }, transcriptionPending: false };
    }
    let durationSeconds = Math.min(message.seconds, step.maxLength);
    let endedBy: StepRecording['endedBy'] = message.seconds >= step.maxLength ? 'maxLength' : message.endedBy;
    const startedAt = Date.now();
    try {
      await this.wait(durationSeconds * 1000);
      if (endedBy === 'silence') await this.wait(step.timeout * 1000);
    } catch (error) {
      if (!(error instanceof CallEndedError)) throw error;
      // Hung up while speaking: what was said so far is kept, as a platform keeps it.
      durationSeconds = Math.min(durationSeconds, Math.round(((Date.now() - startedAt) * this.speed) / 100) / 10);
      endedBy = 'hangup';
      if (durationSeconds <= 0) return { recording: { id, durationSeconds: 0, endedBy }, transcriptionPending: false };
    }
    if (endedBy === 'hangup') this.hangup();
    if (step.transcribe) {
      this.later(message.transcriptDelayMs ?? DEFAULT_TRANSCRIPT_DELAY_MS, () =>
        this.emit({
          type: 'transcription',
          callId: this.request.callId,
          at: new Date(),
          seq,
          recordingId: id,
          ...(message.transcript !== undefined ? { status: 'done', text: message.transcript } : { status: 'failed' }),
        }),
      );
    }
    return { recording: { id, durationSeconds, endedBy }, transcriptionPending: step.transcribe };
  }

  /** Waits a scripted duration (scaled by speed); throws CallEndedError if the call ends meanwhile. */
  private wait(ms: number): Promise<void> {
    if (this.hungUp) return Promise.reject(new CallEndedError());
    // No timer for nothing: a timer's turn of the event loop is late under load.
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.pending.delete(wake);
        reject(new CallEndedError());
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.pending.delete(wake);
        resolve();
      }, ms / this.speed);
      this.timers.add(timer);
      this.pending.add(wake);
    });
  }

  private timer(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms / this.speed);
    this.timers.add(timer);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
