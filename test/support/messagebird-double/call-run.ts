import { randomUUID } from 'node:crypto';
import { DoubleCallee, DoubleMessage, DoubleScript } from './callee-script';
import { checkCallFlow, DoubleCallFlow, FlowStep } from './call-flow-rules';

export type LegStatus = 'starting' | 'ringing' | 'ongoing' | 'busy' | 'no_answer' | 'failed' | 'hangup';

export interface DoubleLeg {
  id: string;
  callId: string;
  source: string;
  destination: string;
  status: LegStatus;
  direction: 'incoming' | 'outgoing';
  duration: number;
  createdAt: string;
  updatedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
}

export interface DoubleTranscription {
  id: string;
  createdAt: string;
  updatedAt: string;
  /** null while MessageBird is still transcribing (its `.txt` is a 404 until then). */
  text: string | null;
  error: string | null;
}

export interface DoubleRecording {
  id: string;
  legId: string;
  /** `call`: the whole call (`record: true`); `step`: a `record` action's. */
  kind: 'call' | 'step';
  status: 'initialised' | 'recording' | 'done' | 'failed';
  startedAt: number;
  duration: number;
  createdAt: string;
  updatedAt: string;
  transcriptions: DoubleTranscription[];
}

export interface DoubleCall {
  id: string;
  status: 'starting' | 'ongoing' | 'ended';
  source: string;
  destination: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
  webhook?: { url: string; token?: string };
  callFlow: DoubleCallFlow;
  legs: DoubleLeg[];
  recordings: DoubleRecording[];
  /** Every call flow URL fetched for this call, in order, with what it answered. */
  fetches: { url: string; status: number; flow?: DoubleCallFlow }[];
  /** Every `play` played: the media URL, and what fetching it gave (status, content type, first bytes). */
  played: { media: string; status: number; type: string | null; head: string }[];
  /** Every `record` action run: its options and how the callee ended it. */
  recorded: { options: Record<string, any>; recordingId: string; endedBy: DoubleMessage['endedBy'] | 'silent' | 'call-ended'; key?: string }[];
  /** Every `say` spoken, in order. */
  said: { payload: string; language: string; voice: string; ifMachine?: string; machineTimeout?: number }[];
  /** Why the call ended, as the double saw it. */
  endReason?: string;
}

/** What a running call needs from the double. */
export interface CallRunHost {
  script: DoubleScript;
  /** Queues a callCreated/callUpdated webhook with the call's current state. */
  notify(call: DoubleCall, event: 'callCreated' | 'callUpdated'): void;
  /** GETs a call flow URL, signed; the parsed flow or the failure. */
  fetchCallFlow(call: DoubleCall, url: string): Promise<{ status: number; flow?: unknown }>;
  /** GETs a `play` step's media (as MessageBird's player would). */
  fetchMedia(url: string): Promise<{ media: string; status: number; type: string | null; head: string }>;
}

class CallOver extends Error {}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * One call on the double, from placement to its end: the callee's leg rings and answers (or not) as the
 * script says, then the call flow runs with MessageBird's semantics as docs/messagebird.md assumes them
 * (say, pause, transfer, hangup, fetchCallFlow; onKeypressVar/onKeypressGoto; conditions), and every
 * change of a leg or the call is reported by webhook.
 */
export class CallRun {
  private over = false;
  private readonly wakeups = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private promptCount = 0;
  private recordCount = 0;
  private calleeLeg?: DoubleLeg;

  constructor(
    private readonly host: CallRunHost,
    readonly call: DoubleCall,
    private readonly callee: DoubleCallee,
  ) {}

  async run(): Promise<void> {
    const leg = this.newLeg(this.call.destination);
    this.calleeLeg = leg;
    this.host.notify(this.call, 'callCreated');
    try {
      await this.wait(Math.min(this.callee.ringMs, 100));
      if (this.callee.answer === 'failed') return this.finish('the network refused the call', leg, 'failed');
      this.setLeg(leg, 'ringing');
      await this.wait(this.callee.ringMs);
      if (this.callee.answer !== 'answered') return this.finish(`callee ${this.callee.answer}`, leg, this.callee.answer);
      leg.answeredAt = now();
      this.call.status = 'ongoing';
      this.setLeg(leg, 'ongoing');
      if (this.call.callFlow.record) this.startRecording(leg);
      if (this.callee.hangupAfterMs !== null) this.timer(this.callee.hangupAfterMs, () => this.hangup('the callee hung up'));
      const reason = await this.execute(this.call.callFlow.steps);
      this.finish(reason, leg, 'hangup');
    } catch (error) {
      if (!(error instanceof CallOver)) throw error;
      this.finish(this.call.endReason ?? 'hung up', leg, 'hangup');
    } finally {
      for (const timer of this.timers) clearTimeout(timer);
    }
  }

  /** Ends the call now (DELETE /calls/{id}, or the callee hanging up). */
  hangup(reason: string): void {
    if (this.over) return;
    this.over = true;
    this.call.endReason ??= reason;
    for (const wake of this.wakeups) wake();
  }

  private async execute(initial: FlowStep[]): Promise<string> {
    let steps = initial;
    let variables: Record<string, string> = {};
    let pendingKey = '';
    let inPrompt = false;
    let first = true;
    for (let i = 0; i < steps.length; ) {
      const step = steps[i];
      if (step.conditions && !step.conditions.every((c) => (c.operator === 'eq' ? variables[c.variable] === c.value : variables[c.variable] !== c.value))) {
        i++;
        continue;
      }
      if (step.action === 'record') {
        await this.record(step, variables);
        inPrompt = false;
        first = false;
        i++;
        continue;
      }
      // A prompt is a run of steps that capture keys: the callee presses (at most) one key per prompt.
      if (step.onKeypressVar && !inPrompt) pendingKey = this.callee.digits[this.promptCount++] ?? '';
      inPrompt = !!step.onKeypressVar;
      const o = step.options ?? {};
      switch (step.action) {
        case 'say': {
          this.call.said.push({ payload: o.payload, language: o.language, voice: o.voice, ...(o.ifMachine && { ifMachine: o.ifMachine }), ...(o.machineTimeout && { machineTimeout: o.machineTimeout }) });
          if (first && this.callee.machine && o.ifMachine === 'hangup') return 'an answering machine picked up';
          await this.wait(String(o.payload).length * this.host.script.msPerChar * (Number(o.repeat) || 1));
          break;
        }
        case 'pause': {
          const length = Number(o.length) * 1000;
          if (step.onKeypressVar && pendingKey !== '' && this.host.script.keypressMs < length) {
            await this.wait(this.host.script.keypressMs);
            variables[step.onKeypressVar] = pendingKey;
            pendingKey = '';
            inPrompt = false;
            const target = steps.findIndex((s) => s.id === step.onKeypressGoto);
            first = false;
            i = target >= 0 ? target : i + 1;
            continue;
          }
          await this.wait(length);
          break;
        }
        case 'play':
          this.call.played.push(await this.host.fetchMedia(o.media));
          await this.wait(1000);
          break;
        case 'hangup':
          return 'the call flow hung up';
        case 'transfer':
          if (await this.transfer(o.destination)) return 'the transfer ended';
          break;
        case 'fetchCallFlow': {
          const { status, flow } = await this.host.fetchCallFlow(this.call, o.url);
          if (this.over) throw new CallOver();
          const errors = status === 200 ? checkCallFlow(flow, 'fetched call flow') : [{ code: 0, message: `HTTP ${status}` }];
          this.call.fetches.push({ url: o.url, status, ...(errors.length === 0 && { flow: flow as DoubleCallFlow }) });
          if (errors.length > 0) return `fetching the next call flow failed: ${errors.map((e) => e.message).join('; ')}`;
          steps = (flow as DoubleCallFlow).steps;
          variables = {};
          inPrompt = false;
          i = 0;
          first = false;
          continue;
        }
      }
      first = false;
      i++;
    }
    return 'the call flow ended';
  }

  /**
   * A `record` action (docs/messagebird.md, A12-A15): a new recording of the callee's leg; the callee
   * speaks as scripted; `finishOnKey` (stored in `onKeypressVar`), `timeout` seconds of silence, `maxLength`
   * (0: none) or the call's end stops it. The recording is `done` after the processing time, and with
   * `transcribe` its transcription is listed at once and has its text (or its error) after the script's delay.
   */
  private async record(step: FlowStep, variables: Record<string, string>): Promise<void> {
    const o = step.options ?? {};
    const scripted = this.callee.record;
    const message = Array.isArray(scripted) ? scripted[this.recordCount] : (scripted ?? undefined);
    this.recordCount++;
    const maxLength = Number(o.maxLength) > 0 ? Number(o.maxLength) : Infinity;
    const timeout = o.timeout !== undefined ? Number(o.timeout) : null;
    const at = now();
    const recording: DoubleRecording = {
      id: randomUUID(), legId: this.calleeLeg!.id, kind: 'step', status: 'recording', startedAt: Date.now(), duration: 0, createdAt: at, updatedAt: at, transcriptions: [],
    };
    this.call.recordings.push(recording);
    const entry: CallRun['call']['recorded'][number] = { options: o, recordingId: recording.id, endedBy: 'silent' };
    this.call.recorded.push(entry);
    let spoken = 0;
    const speaking = Date.now();
    try {
      if (!message || message.seconds <= 0) {
        // Nothing said: the silence timeout ends it (without one, maxLength; without both, the call's end).
        await this.wait(Math.min(timeout ?? Infinity, maxLength, 3600) * 1000);
      } else {
        const cut = message.endedBy === 'maxLength' || message.seconds >= maxLength;
        const seconds = cut ? Math.min(maxLength, message.endedBy === 'maxLength' ? maxLength : message.seconds) : message.seconds;
        await this.wait(seconds * 1000);
        spoken = seconds;
        entry.endedBy = cut ? 'maxLength' : message.endedBy;
        if (!cut && message.endedBy === 'key') {
          const key = o.finishOnKey === 'any' ? '5' : o.finishOnKey;
          if (key === '#' || key === '*' || key === '5') {
            await this.wait(this.host.script.keypressMs);
            entry.key = key;
            if (step.onKeypressVar) variables[step.onKeypressVar] = key;
          } else {
            // finishOnKey none: the key does not end it; the silence after it does.
            await this.wait(Math.min(timeout ?? Infinity, maxLength - seconds, 3600) * 1000);
          }
        } else if (!cut && message.endedBy === 'silence') {
          await this.wait(Math.min(timeout ?? Infinity, maxLength - seconds, 3600) * 1000);
        } else if (!cut && message.endedBy === 'hangup') {
          this.hangup('the callee hung up while recording');
          throw new CallOver();
        }
      }
    } catch (error) {
      if (!(error instanceof CallOver)) throw error;
      if (spoken === 0 && message) spoken = Math.min(message.seconds, ((Date.now() - speaking) * this.host.script.speed) / 1000);
      if (entry.endedBy === 'silent' || entry.endedBy === message?.endedBy) entry.endedBy = message?.endedBy === 'hangup' ? 'hangup' : 'call-ended';
      this.endRecording(recording, spoken, message, o);
      throw error;
    }
    this.endRecording(recording, spoken, message, o);
  }

  /** The recording stops: its duration (whole seconds, truncated), `done` once processed, then its transcription. */
  private endRecording(recording: DoubleRecording, spoken: number, message: DoubleMessage | undefined, o: Record<string, any>): void {
    recording.duration = Math.floor(spoken);
    recording.updatedAt = now();
    const done = () => {
      recording.status = 'done';
      recording.updatedAt = now();
      if (!o.transcribe) return;
      const at = now();
      const transcription: DoubleTranscription = { id: randomUUID(), createdAt: at, updatedAt: at, text: null, error: null };
      recording.transcriptions.push(transcription);
      setTimeout(() => {
        transcription.updatedAt = now();
        if (message?.transcript !== undefined && recording.duration > 0) transcription.text = message.transcript;
        else transcription.error = recording.duration > 0 ? 'The recording could not be transcribed' : 'The recording has no speech';
      }, (message?.transcriptDelayMs ?? 2000) / this.host.script.speed).unref();
    };
    const processingMs = this.host.script.recordingProcessingMs / this.host.script.speed;
    if (processingMs > 0) setTimeout(done, processingMs).unref();
    else done();
  }

  /** Rings the transfer target; true when it answered (the call then ends with the bridge). */
  private async transfer(destination: string): Promise<boolean> {
    const leg = this.newLeg(destination);
    this.host.notify(this.call, 'callUpdated');
    await this.wait(Math.min(this.callee.transferRingMs, 100));
    this.setLeg(leg, 'ringing');
    await this.wait(this.callee.transferRingMs);
    if (this.callee.transfer !== 'answered') {
      leg.endedAt = now();
      this.setLeg(leg, this.callee.transfer);
      return false;
    }
    leg.answeredAt = now();
    this.setLeg(leg, 'ongoing');
    await this.wait(this.callee.transferTalkMs);
    return true;
  }

  private finish(reason: string, calleeLeg: DoubleLeg, status: 'hangup' | 'busy' | 'no_answer' | 'failed'): void {
    this.over = true;
    this.call.endReason ??= reason;
    const at = now();
    for (const leg of this.call.legs) {
      if (leg.endedAt) continue;
      leg.endedAt = at;
      leg.status = leg === calleeLeg ? status : 'hangup';
      if (leg.answeredAt) leg.duration = Math.max(0, Math.round((Date.parse(at) - Date.parse(leg.answeredAt)) / 1000));
      leg.updatedAt = at;
    }
    const recorded = Date.now();
    const processed = () => {
      for (const recording of this.call.recordings) {
        if (recording.status !== 'recording' || recording.kind !== 'call') continue;
        recording.status = 'done';
        recording.duration = Math.max(1, Math.round((recorded - recording.startedAt) / 1000));
        recording.updatedAt = now();
      }
    };
    const processingMs = this.host.script.recordingProcessingMs / this.host.script.speed;
    if (processingMs > 0) setTimeout(processed, processingMs).unref();
    else processed();
    this.call.status = 'ended';
    this.call.endedAt = at;
    this.call.updatedAt = at;
    this.host.notify(this.call, 'callUpdated');
  }

  private newLeg(destination: string): DoubleLeg {
    const at = now();
    const leg: DoubleLeg = {
      id: randomUUID(),
      callId: this.call.id,
      source: this.call.source,
      destination,
      status: 'starting',
      direction: 'outgoing',
      duration: 0,
      createdAt: at,
      updatedAt: at,
      answeredAt: null,
      endedAt: null,
    };
    this.call.legs.push(leg);
    return leg;
  }

  private setLeg(leg: DoubleLeg, status: LegStatus): void {
    leg.status = status;
    leg.updatedAt = now();
    this.call.updatedAt = leg.updatedAt;
    this.host.notify(this.call, 'callUpdated');
  }

  private startRecording(leg: DoubleLeg): void {
    const at = now();
    this.call.recordings.push({ id: randomUUID(), legId: leg.id, kind: 'call', status: 'recording', startedAt: Date.now(), duration: 0, createdAt: at, updatedAt: at, transcriptions: [] });
  }

  /** Waits a scripted duration (divided by the speed); throws CallOver if the call ends meanwhile. */
  private wait(ms: number): Promise<void> {
    if (this.over) return Promise.reject(new CallOver());
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakeups.delete(wake);
        reject(new CallOver());
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.wakeups.delete(wake);
        resolve();
      }, ms / this.host.script.speed);
      this.timers.add(timer);
      this.wakeups.add(wake);
    });
  }

  private timer(ms: number, fn: () => void): void {
    const timer = setTimeout(fn, ms / this.host.script.speed);
    this.timers.add(timer);
  }
}
