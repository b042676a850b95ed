import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { simulatedRecordingWav } from '../../../src/voice/simulator/simulated-recording-wav';
import { birdSignature } from '../../../src/voice/bird/bird-signature';
import { SAY_LOCALES } from '../../../src/voice/bird/bird-translation';
import { BirdCallee, birdCalleeFor, BirdDoubleScript, birdDoubleScript, BirdDoubleScriptInput } from './bird-callee-script';

/** A scripted fault for the next request matching `method`, `path` and (for a placement) `to`. */
export interface BirdFault {
  method: string;
  path: RegExp;
  to?: string;
  /** An error answer, `hang` (never answer), or `accept-then-hang` (create the call, never answer). */
  reply: { status: number; body?: unknown } | 'hang' | 'accept-then-hang';
}

export interface BirdDelivery {
  callId: string;
  url: string;
  body: string;
  status: number | 'dropped';
}

export interface BirdDoubleCommand {
  id: string;
  command: string;
  options: Record<string, any>;
  /** When it started, in script milliseconds after the answer. */
  startedAfterAnswerMs?: number;
}

export interface BirdDoubleCall {
  id: string;
  from: string;
  to: string;
  status: string;
  createdAt: string;
  notificationUrl?: string;
  record: boolean;
  amd: boolean;
  /** The placement's amdSettings, as sent. */
  amdSettings?: Record<string, unknown>;
  /** What an answering machine recorded: the texts said entirely after its beep. */
  voicemail: string[];
  answered: boolean;
  /** Every command it ran, in order (the placement's first). */
  commands: BirdDoubleCommand[];
  /** The bridged calls it placed. */
  bridges: { id: string; to: string; status: string }[];
  endReason?: string;
}

interface DoubleRecording {
  id: string;
  callId: string;
  origin: 'call' | 'call-command-record';
  status: 'accepted' | 'available';
  seconds: number;
  endCause: string;
  createdAt: string;
  transcription?: { id: string; status: 'accepted' | 'available'; text: string };
}

const COMMANDS = new Set(['say', 'playback', 'gather', 'record', 'bridge', 'pause', 'hangup']);
const KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);
const TO = /^(\+[1-9]\d{5,14}|sips?:.+)$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}
const invalid = (details: Record<string, string[]>) => new HttpError(422, { code: 'InvalidPayload', message: 'The request did not pass validation', details });
const notFound = (what: string) => new HttpError(404, { code: 'NotFound', message: `${what} not found` });

/**
 * A local stand-in for Bird's Channels Voice API, for tests and demos: call placement (202 with the call),
 * call commands, call lookup and listing, recordings (.wav), transcriptions (.txt). Each placed call runs
 * from a callee script, executes its commands in order (the placement's callFlow, then the ones POSTed),
 * and every change (status, finished command, machine detected) is POSTed to the call's notification URL,
 * signed as Bird signs webhooks, in order per call. Bad requests get Bird's 400/404/422 answers; faults can
 * be scripted per request. The webhook shapes are those docs/bird.md assumes (B3-B7).
 */
export class BirdDouble {
  readonly calls = new Map<string, BirdDoubleCall>();
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  readonly deliveries: BirdDelivery[] = [];
  readonly recordings = new Map<string, DoubleRecording>();
  webhookFilter: (delivery: BirdDelivery) => 'deliver' | 'drop' = () => 'deliver';
  script: BirdDoubleScript;
  url = '';
  private readonly runs = new Map<string, CallRun>();
  private readonly running = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly faults: BirdFault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server?: Server;

  constructor(private readonly options: { accessKey: string; signingKey: string; workspaceId: string; channelId: string; script?: BirdDoubleScriptInput }) {
    this.script = birdDoubleScript(options.script);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const run of this.runs.values()) run.end('completed', 'the double stopped');
    await this.settled();
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves once every call has ended and every webhook has been delivered (or given up). */
  async settled(): Promise<void> {
    while (this.running.size > 0 || this.chains.size > 0) await Promise.all([...this.running, ...this.chains.values()]);
  }

  failNext(fault: BirdFault): void {
    this.faults.push(fault);
  }

  /** POSTs `body` to `url` signed with the double's key (or with the `signature`/`timestamp` given). */
  async post(url: string, body: string, sign: { signature?: string; timestamp?: string } = {}): Promise<number> {
    const timestamp = sign.timestamp ?? String(Math.floor(Date.now() / 1000));
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'messagebird-request-timestamp': timestamp,
        'messagebird-signature': sign.signature ?? birdSignature(this.options.signingKey, timestamp, url, body),
        'messagebird-request-id': randomUUID(),
      },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A webhook body as the double sends it (B3). */
  webhookBody(call: BirdDoubleCall, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ service: 'channels', event: 'voice.outbound', payload: { ...callJson(call), ...extra } });
  }

  notify(call: BirdDoubleCall, extra: Record<string, unknown> = {}): void {
    if (!call.notificationUrl) return;
    const delivery: BirdDelivery = { callId: call.id, url: call.notificationUrl, body: this.webhookBody(call, extra), status: 0 };
    this.deliveries.push(delivery);
    const next: Promise<void> = (this.chains.get(call.id) ?? Promise.resolve())
      .then(() => this.deliver(delivery))
      .finally(() => {
        if (this.chains.get(call.id) === next) this.chains.delete(call.id);
      });
    this.chains.set(call.id, next);
  }

  addRecording(call: BirdDoubleCall, seconds: number, endCause: string, transcript: string | null, transcribe: boolean): DoubleRecording {
    const recording: DoubleRecording = { id: randomUUID(), callId: call.id, origin: 'call-command-record', status: 'available', seconds, endCause, createdAt: new Date().toISOString() };
    if (transcribe && transcript !== null && seconds > 0) {
      recording.transcription = { id: randomUUID(), status: 'accepted', text: transcript };
      setTimeout(() => (recording.transcription!.status = 'available'), this.script.transcriptionMs / this.script.speed).unref();
    }
    this.recordings.set(recording.id, recording);
    return recording;
  }

  /** The whole call's recording (`record: true`), `accepted` while the double "processes" it, then `available` (B16). */
  addCallRecording(call: BirdDoubleCall, seconds: number): void {
    const recording: DoubleRecording = { id: randomUUID(), callId: call.id, origin: 'call', status: 'accepted', seconds, endCause: 'hangup', createdAt: new Date().toISOString() };
    this.recordings.set(recording.id, recording);
    setTimeout(() => (recording.status = 'available'), this.script.recordingProcessingMs / this.script.speed).unref();
  }

  private async deliver(delivery: BirdDelivery): Promise<void> {
    if (this.webhookFilter(delivery) === 'drop') {
      delivery.status = 'dropped';
      return;
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        delivery.status = await this.post(delivery.url, delivery.body);
      } catch {
        delivery.status = 0;
      }
      if (typeof delivery.status === 'number' && delivery.status >= 200 && delivery.status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: `${url.pathname}${url.search}`, headers: req.headers, body });
    try {
      const fault = this.takeFault(method, url.pathname, body);
      if (fault?.reply === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (fault && fault.reply !== 'accept-then-hang') throw new HttpError(fault.reply.status, fault.reply.body ?? { code: 'InternalError', message: 'Something went wrong' });
      if (req.headers.authorization !== `AccessKey ${this.options.accessKey}`) throw new HttpError(401, { code: 'Unauthorized', message: 'Invalid or missing access key' });
      const answer = this.route(method, url, body);
      if (fault?.reply === 'accept-then-hang') {
        this.hanging.add(res);
        return;
      }
      if (Buffer.isBuffer(answer.body) || typeof answer.body === 'string') res.writeHead(answer.status, { 'content-type': answer.type ?? 'text/plain' }).end(answer.body);
      else res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify(error.body));
    }
  }

  private takeFault(method: string, path: string, body: string): BirdFault | undefined {
    const to = () => {
      try {
        return JSON.parse(body)?.to;
      } catch {
        return undefined;
      }
    };
    const index = this.faults.findIndex((f) => f.method === method && f.path.test(path) && (f.to === undefined || f.to === to()));
    return index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
  }

  private route(method: string, url: URL, body: string): { status: number; body: unknown; type?: string } {
    const path = url.pathname.replace(/\/+$/, '');
    const ws = /^\/workspaces\/([^/]+)(\/.*)$/.exec(path);
    if (!ws || ws[1] !== this.options.workspaceId) throw notFound('workspace');
    const rest = ws[2];
    let m: RegExpExecArray | null;
    const is = (verb: string, pattern: RegExp) => method === verb && (m = pattern.exec(rest)) !== null;
    const channel = /^\/channels\/([^/]+)/.exec(rest);
    if (channel && channel[1] !== this.options.channelId) throw notFound('channel');

    if (is('POST', /^\/channels\/[^/]+\/calls$/)) return { status: 202, body: callJson(this.placeCall(parseJson(body))) };
    if (is('GET', /^\/channels\/[^/]+\/calls$/)) {
      const to = url.searchParams.get('to');
      const since = url.searchParams.get('startAt');
      const status = url.searchParams.get('status');
      const results = [...this.calls.values()].reverse().filter((c) => (!to || c.to === to) && (!since || c.createdAt >= since) && (!status || c.status === status));
      return { status: 200, body: { results: results.map(callJson) } };
    }
    if (is('GET', /^\/channels\/[^/]+\/calls\/([^/]+)$/)) return { status: 200, body: callJson(this.call(m![1])) };
    if (is('GET', /^\/channels\/[^/]+\/calls\/([^/]+)\/recordings$/)) {
      const call = this.call(m![1]);
      return { status: 200, body: { results: [...this.recordings.values()].filter((r) => r.callId === call.id).map(recordingJson) } };
    }
    if (is('POST', /^\/channels\/[^/]+\/calls\/([^/]+)\/([a-z]+)$/)) {
      const run = this.runs.get(m![1]);
      if (!this.calls.has(m![1])) throw notFound('call');
      if (!COMMANDS.has(m![2])) throw notFound('command');
      if (!run) throw new HttpError(422, { code: 'CallNotActive', message: 'The call is not active' });
      const options = parseJson(body) as Record<string, any>;
      checkCommand(m![2], options ?? {}, '');
      const command: BirdDoubleCommand = { id: randomUUID(), command: m![2], options: options ?? {} };
      run.enqueue(command);
      return { status: 202, body: { id: command.id, callId: m![1], command: command.command, status: 'accepted' } };
    }
    if (is('GET', /^\/recordings$/)) {
      const callId = url.searchParams.get('id');
      return { status: 200, body: { results: [...this.recordings.values()].filter((r) => !callId || r.callId === callId).map(recordingJson) } };
    }
    if (is('GET', /^\/recordings\/([^/]+)\.wav$/)) {
      const recording = this.recordings.get(m![1]);
      if (!recording) throw notFound('recording');
      return { status: 200, body: Buffer.concat([...simulatedRecordingWav(recording.seconds)]), type: 'audio/wav' };
    }
    if (is('GET', /^\/recordings\/([^/]+)\/transcriptions$/)) {
      const recording = this.recordings.get(m![1]);
      if (!recording) throw notFound('recording');
      const t = recording.transcription;
      return { status: 200, body: { results: t ? [{ id: t.id, recordingId: recording.id, status: t.status, stereo: false, locale: 'en-US' }] : [] } };
    }
    if (is('GET', /^\/transcriptions\/([^/]+)\.txt$/)) {
      const found = [...this.recordings.values()].find((r) => r.transcription?.id === m![1] && r.transcription.status === 'available');
      if (!found) throw notFound('transcription');
      return { status: 200, body: found.transcription!.text, type: 'text/plain' };
    }
    throw new HttpError(404, { code: 'NotFound', message: `No route ${method} ${path}` });
  }

  private placeCall(body: any): BirdDoubleCall {
    const details: Record<string, string[]> = {};
    const problem = (field: string, message: string) => (details[field] ??= []).push(message);
    if (typeof body?.to !== 'string') problem('to', 'is required');
    else if (!TO.test(body.to)) problem('to', 'must be an E.164 number or a SIP URI');
    if (body?.ringTimeout !== undefined && !(Number.isInteger(body.ringTimeout) && body.ringTimeout >= 3 && body.ringTimeout <= 120)) problem('ringTimeout', 'must be 3-120');
    if (body?.notification !== undefined && !/^https?:\/\//.test(body.notification?.url ?? '')) problem('notification.url', 'must be a URL');
    if (!Array.isArray(body?.callFlow ?? [])) problem('callFlow', 'must be an array');
    else if ((body.callFlow ?? []).length > 20) problem('callFlow', 'must have at most 20 commands');
    if (Object.keys(details).length > 0) throw invalid(details);
    (body.callFlow ?? []).forEach((c: any, i: number) => {
      if (!COMMANDS.has(c?.command)) throw invalid({ [`callFlow[${i}].command`]: ['is not a command'] });
      checkCommand(c.command, c.options ?? {}, `callFlow[${i}].options.`);
    });
    const call: BirdDoubleCall = {
      id: randomUUID(),
      from: body.from,
      to: body.to,
      status: 'accepted',
      createdAt: new Date().toISOString(),
      notificationUrl: body.notification?.url,
      record: body.record === true,
      amd: body.amdSettings?.enabled === true,
      ...(body.amdSettings !== undefined && { amdSettings: body.amdSettings }),
      voicemail: [],
      answered: false,
      commands: [],
      bridges: [],
    };
    this.calls.set(call.id, call);
    const run = new CallRun(this, call, birdCalleeFor(this.script, call.to));
    for (const c of body.callFlow ?? []) run.enqueue({ id: randomUUID(), command: c.command, options: c.options ?? {} });
    this.runs.set(call.id, run);
    // After this request has been answered: a call never reports before it exists for its caller.
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run.run())
      .finally(() => {
        this.runs.delete(call.id);
        this.running.delete(running);
      });
    this.running.add(running);
    return call;
  }

  private call(id: string): BirdDoubleCall {
    const call = this.calls.get(id);
    if (!call) throw notFound('call');
    return call;
  }
}

/** Bird's 422 for a command's options it would refuse (the documented schemas). */
function checkCommand(name: string, options: Record<string, any>, prefix: string): void {
  const details: Record<string, string[]> = {};
  const problem = (field: string, message: string) => (details[`${prefix}${field}`] ??= []).push(message);
  const checkSay = (say: any, at: string) => {
    if (typeof say?.text !== 'string' || say.text === '') problem(`${at}text`, 'is required');
    if (say?.locale !== undefined && !(SAY_LOCALES as readonly string[]).includes(say.locale)) problem(`${at}locale`, 'is not a supported locale');
    if (say?.voice !== undefined && say.voice !== 'male' && say.voice !== 'female') problem(`${at}voice`, 'must be male or female');
  };
  if (name === 'say') checkSay(options, '');
  if (name === 'gather') {
    if (options.say) checkSay(options.say, 'say.');
    if (options.endKey !== undefined && !KEYS.has(options.endKey)) problem('endKey', 'is not a key');
  }
  if (name === 'record' && options.endKey !== undefined && !KEYS.has(options.endKey)) problem('endKey', 'is not a key');
  if (name === 'bridge' && (typeof options.to !== 'string' || !TO.test(options.to))) problem('to', 'must be an E.164 number or a SIP URI');
  if (Object.keys(details).length > 0) throw invalid(details);
}

function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, { code: 'BadRequest', message: 'The request body is not valid JSON' });
  }
}

function callJson(call: BirdDoubleCall) {
  const { id, from, to, status, createdAt } = call;
  return { id, from, to, status, createdAt, direction: 'outgoing', updatedAt: new Date().toISOString() };
}

function recordingJson(r: DoubleRecording) {
  return { id: r.id, callId: r.callId, status: r.status, origin: r.origin, duration: r.seconds, endCause: r.endCause, stereo: false, createdAt: r.createdAt };
}

/** One call on the double, from its callee's script; every wait is interrupted when the call ends. */
class CallRun {
  private readonly queue: BirdDoubleCommand[] = [];
  private wake?: () => void;
  private ended = false;
  private endSignal!: () => void;
  private readonly ending = new Promise<void>((resolve) => (this.endSignal = resolve));
  private gathers = 0;
  private answeredAt?: number;
  /** When an answering machine's greeting ended with its beep (real time). */
  private beepAt = Infinity;
  /** Reports the command cut by the end of the call (a recording), before the call's end is reported. */
  private cut?: () => void;

  constructor(
    private readonly double: BirdDouble,
    private readonly call: BirdDoubleCall,
    private readonly callee: BirdCallee,
  ) {}

  enqueue(command: BirdDoubleCommand): void {
    // A hang-up is immediate, whatever runs (and also ends a call still ringing: B12).
    if (command.command === 'hangup') {
      this.call.commands.push(command);
      return this.end(this.call.answered ? 'completed' : 'canceled', 'hung up through the API');
    }
    this.queue.push(command);
    this.wake?.();
  }

  async run(): Promise<void> {
    const speed = this.double.script.speed;
    this.status('starting');
    if (!(await this.wait(50))) return;
    this.status('ringing');
    if (!(await this.wait(this.callee.ringMs))) return;
    if (this.callee.answer !== 'answered') return this.end(this.callee.answer === 'no_answer' ? 'no-answer' : this.callee.answer, `the callee was ${this.callee.answer}`);
    this.call.answered = true;
    this.answeredAt = Date.now();
    this.status('ongoing');
    if (this.callee.hangupAfterMs !== null) {
      setTimeout(() => this.end('completed', 'the callee hung up'), this.callee.hangupAfterMs / speed).unref();
    }
    if (this.call.amd && !this.callee.machine) this.double.notify(this.call, { amd: { result: 'human' } });
    if (this.callee.machine) this.beepAt = this.answeredAt + this.callee.machineGreetingMs / speed;
    if (this.call.amd && this.callee.machine) {
      if (this.call.amdSettings?.ifMachineNotifyAfter === 'beep') {
        // B18: the machine is reported at its beep, and the commands wait for it (the message is left on it).
        if (!(await this.wait(this.callee.machineGreetingMs))) return;
        this.beepAt = Math.min(this.beepAt, Date.now());
        this.double.notify(this.call, { amd: { result: 'machine' } });
      } else {
        const detected = setTimeout(() => !this.ended && this.double.notify(this.call, { amd: { result: 'machine' } }), this.callee.machineDetectMs / speed);
        detected.unref();
      }
    }
    while (!this.ended) {
      const command = this.queue.shift();
      if (!command) {
        await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), this.ending]);
        this.wake = undefined;
        continue;
      }
      this.call.commands.push(command);
      command.startedAfterAnswerMs = this.sinceAnswerMs();
      await this.execute(command, Date.now());
    }
  }

  end(status: string, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.call.endReason = reason;
    const cut = this.cut;
    this.cut = undefined;
    cut?.();
    if (this.call.record && this.answeredAt !== undefined) this.double.addCallRecording(this.call, Math.round(((Date.now() - this.answeredAt) * this.double.script.speed) / 1000));
    this.status(status);
    this.endSignal();
    this.wake?.();
  }

  private status(status: string): void {
    if (this.ended && !['completed', 'no-answer', 'busy', 'failed', 'canceled'].includes(status)) return;
    this.call.status = status;
    this.double.notify(this.call);
  }

  private finished(command: BirdDoubleCommand, result: Record<string, unknown> = {}): void {
    this.double.notify(this.call, { command: { id: command.id, command: command.command, status: 'completed', result } });
  }

  /** Script milliseconds since the answer. */
  private sinceAnswerMs(): number {
    return Math.round((Date.now() - this.answeredAt!) * this.double.script.speed);
  }

  /** Waits `ms` (script time); false when the call ended meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms / this.double.script.speed))), this.ending]);
    clearTimeout(timer);
    return !this.ended;
  }

  private async execute(command: BirdDoubleCommand, startedAt: number): Promise<void> {
    const o = command.options;
    const script = this.double.script;
    switch (command.command) {
      case 'say':
        if (await this.wait(String(o.text).length * script.msPerChar)) {
          // An answering machine keeps what was said after its beep.
          if (startedAt >= this.beepAt) this.call.voicemail.push(String(o.text));
          this.finished(command);
        }
        return;
      case 'pause':
        if (await this.wait((o.length ?? 1) * 1000)) this.finished(command);
        return;
      case 'gather': {
        if (!(await this.wait(String(o.say?.text ?? '').length * script.msPerChar))) return;
        const key = this.callee.digits[this.gathers++] ?? '';
        if (!(await this.wait(key ? script.keypressMs : (o.timeout ?? 5) * 1000))) return;
        this.finished(command, { keys: key });
        return;
      }
      case 'record': {
        const { seconds, endedBy, transcript } = this.callee.record;
        const length = Math.min(seconds, o.maxLength ?? 3600);
        const cause = endedBy === 'maxLength' || length < seconds ? 'max-length' : endedBy;
        const startedAt = Date.now();
        const report = (endCause: string, duration: number) => {
          const recording = this.double.addRecording(this.call, duration, endCause, transcript, o.transcribe === true);
          this.finished(command, { recordingId: recording.id, duration, endCause });
        };
        // A recording cut by the callee's hang-up is still reported, before the call's end.
        this.cut = () => report('hangup', Math.round(((Date.now() - startedAt) * script.speed) / 1000));
        if (await this.wait(length * 1000)) {
          this.cut = undefined;
          report(cause, length);
        }
        return;
      }
      case 'bridge': {
        const bridge = { id: randomUUID(), to: String(o.to), status: 'ringing' };
        this.call.bridges.push(bridge);
        if (!(await this.wait(this.callee.transferRingMs))) return;
        const outcome = this.callee.transfer;
        if (outcome !== 'answered') {
          bridge.status = outcome === 'no_answer' ? 'no-answer' : outcome;
          this.finished(command, { status: bridge.status, callId: bridge.id });
          return;
        }
        bridge.status = 'ongoing';
        await this.wait(this.callee.transferTalkMs);
        bridge.status = 'completed';
        this.finished(command, { status: 'completed', callId: bridge.id });
        if (o.hangupAfterBridge) this.end('completed', 'the bridged call ended');
        return;
      }
      case 'hangup':
        this.end(this.call.answered ? 'completed' : 'canceled', 'hung up through the API');
        return;
      default:
        this.finished(command);
    }
  }
}
