import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { calleeFor, DoubleScript, doubleScript, DoubleScriptInput } from './callee-script';
import { checkCallFlow, DESTINATION, DoubleCallFlow, DoubleError } from './call-flow-rules';
import { simulatedRecordingWav } from '../../../src/voice/simulator/simulated-recording-wav';
import { CallRun, DoubleCall, DoubleLeg, DoubleRecording, DoubleTranscription } from './call-run';
import { signRequest } from './request-signer';

/** A scripted fault for the next request matching `method` and `path`. */
export interface Fault {
  method: string;
  path: RegExp;
  /** Only a request whose JSON body has this `destination` (a placement to one number). */
  destination?: string;
  /** An error answer, or `hang` (never answer: the client times out), or `accept-then-hang` (create the call, never answer). */
  reply: { status: number; errors?: DoubleError[] } | 'hang' | 'accept-then-hang';
}

export interface Delivery {
  callId: string;
  event: 'callCreated' | 'callUpdated';
  url: string;
  body: string;
  /** HTTP status of the last attempt (0: no answer), or `dropped` by the test's filter. */
  status: number | 'dropped';
  attempts: number;
}

export interface DoubleOptions {
  accessKey: string;
  signingKey: string;
  script?: DoubleScriptInput;
}

const PER_PAGE = 10;
/** A recording's file: a real 8 kHz 16-bit mono WAV of its duration (the simulator's tone). */
function recordingWav(durationSeconds: number): Buffer {
  return Buffer.concat([...simulatedRecordingWav(durationSeconds)]);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: DoubleError[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/**
 * A local stand-in for the MessageBird Voice Calling API, for tests and demos. It speaks the API's
 * shapes (as in the SDKs' fixtures), checks the access key, the version header and call flows, runs
 * each placed call from a script (see CallRun), fetches the call flows its `fetchCallFlow` steps
 * name, and delivers signed webhooks. Faults (errors, timeouts) can be scripted per request.
 */
export class MessageBirdDouble {
  readonly calls = new Map<string, DoubleCall>();
  readonly callFlows = new Map<string, DoubleCallFlow & { id: string; createdAt: string; updatedAt: string }>();
  /** Every request the double received: method, path (with query) and headers. */
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  readonly deliveries: Delivery[] = [];
  /** Whether webhooks carry the call's legs (they do in MessageBird's example; false to see that they are looked up). */
  webhookLegs = true;
  /** Decides, per webhook, whether it is delivered (default) or silently dropped. */
  webhookFilter: (delivery: Delivery) => 'deliver' | 'drop' = () => 'deliver';
  script: DoubleScript;
  private readonly runs = new Map<string, CallRun>();
  private readonly running = new Set<Promise<void>>();
  private readonly deliveryChains = new Map<string, Promise<void>>();
  private readonly faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server?: Server;
  url = '';

  constructor(private readonly options: DoubleOptions) {
    this.script = doubleScript(options.script);
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Ends every call, waits for the last webhooks, and closes the server. */
  async stop(): Promise<void> {
    for (const run of this.runs.values()) run.hangup('the double stopped');
    await this.settled();
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves once every call has ended and every webhook has been delivered (or given up). */
  async settled(): Promise<void> {
    while (this.running.size > 0 || this.deliveryChains.size > 0) {
      await Promise.all([...this.running, ...this.deliveryChains.values()]);
    }
  }

  /** The next request matching the fault's method and path gets the fault instead of an answer. */
  failNext(fault: Fault): void {
    this.faults.push(fault);
  }

  /** Sends a recorded webhook again, with the same body and a fresh signature (a redelivery). */
  async redeliver(delivery: Delivery): Promise<number> {
    return this.post(delivery.url, delivery.body);
  }

  /** POSTs `body` to `url`, signed with the double's signing key unless `signature` is given. */
  async post(url: string, body: string, signature?: string): Promise<number> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'messagebird-signature-jwt': signature ?? signRequest(this.options.signingKey, url, body) },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A webhook body as MessageBird sends it for a call (its current state, legs included). */
  webhookBody(call: DoubleCall, event: 'callCreated' | 'callUpdated'): string {
    const legs = this.webhookLegs ? { legs: call.legs.map(legJson) } : {};
    return JSON.stringify({ timestamp: new Date().toISOString(), items: [{ type: 'call', event, payload: { ...callJson(call), ...legs } }] });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://double');
    this.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: req.headers, body });
    try {
      const fault = this.takeFault(req.method ?? 'GET', url.pathname, body);
      if (fault && fault.reply !== 'accept-then-hang') {
        if (fault.reply === 'hang') {
          this.hanging.add(res);
          return;
        }
        throw new HttpError(fault.reply.status, fault.reply.errors ?? []);
      }
      this.authenticate(req);
      const answer = this.route(req.method ?? 'GET', url, body);
      if (fault?.reply === 'accept-then-hang') {
        this.hanging.add(res);
        return;
      }
      if (answer.status === 204) {
        res.writeHead(204).end();
      } else if (Buffer.isBuffer(answer.body) || typeof answer.body === 'string') {
        res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/octet-stream' }).end(answer.body);
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: error.errors }));
    }
  }

  private takeFault(method: string, path: string, body: string): Fault | undefined {
    const destinationOf = () => {
      try {
        return JSON.parse(body)?.destination;
      } catch {
        return undefined;
      }
    };
    const index = this.faults.findIndex((f) => f.method === method && f.path.test(path) && (f.destination === undefined || f.destination === destinationOf()));
    return index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
  }

  private authenticate(req: IncomingMessage): void {
    const auth = req.headers.authorization;
    if (!auth) throw new HttpError(401, [{ code: 15, message: 'Authentication is missing: send Authorization: AccessKey {accessKey}' }]);
    if (auth !== `AccessKey ${this.options.accessKey}`) throw new HttpError(401, [{ code: 15, message: 'The access key is incorrect' }]);
    const version = req.headers['x-messagebird-version'];
    if (version !== undefined && !/^\d{8}$/.test(String(version))) throw new HttpError(400, [{ code: 17, message: 'X-MessageBird-Version must be YYYYMMDD' }]);
  }

  private route(method: string, url: URL, body: string): { status: number; body?: unknown; type?: string } {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    let m: RegExpExecArray | null;
    const is = (verb: string, pattern: RegExp) => method === verb && (m = pattern.exec(path)) !== null;

    if (is('POST', /^\/calls$/)) return { status: 201, body: one(callJson(this.placeCall(parseJson(body))), `/calls/`) };
    // Newest first, as docs/messagebird.md assumes (A10).
    if (is('GET', /^\/calls$/)) return { status: 200, body: list([...this.calls.values()].reverse().map(callJson), '/calls', page) };
    if (is('GET', /^\/calls\/([^/]+)$/)) return { status: 200, body: one(callJson(this.call(m![1])), `/calls/${m![1]}`) };
    if (is('DELETE', /^\/calls\/([^/]+)$/)) {
      const call = this.call(m![1]);
      this.runs.get(call.id)?.hangup('deleted through the API');
      return { status: 204 };
    }
    if (is('GET', /^\/calls\/([^/]+)\/legs$/)) return { status: 200, body: list(this.call(m![1]).legs.map(legJson), `/calls/${m![1]}/legs`, page) };
    if (is('GET', /^\/calls\/([^/]+)\/legs\/([^/]+)$/)) return { status: 200, body: one(legJson(this.leg(m![1], m![2])), `/calls/${m![1]}/legs/${m![2]}`) };
    if (is('GET', /^\/calls\/([^/]+)\/legs\/([^/]+)\/recordings$/)) {
      const leg = this.leg(m![1], m![2]);
      const recordings = this.call(m![1]).recordings.filter((r) => r.legId === leg.id).map(recordingJson);
      return { status: 200, body: list(recordings, `/calls/${m![1]}/legs/${m![2]}/recordings`, page) };
    }
    if (is('GET', /^(?:\/calls\/[^/]+\/legs\/[^/]+)?\/recordings\/([^/]+)\.wav$/)) {
      const recording = this.recording(m![1]);
      if (recording.status !== 'done') throw new HttpError(404, [{ code: 13, message: 'The recording is not ready' }]);
      return { status: 200, body: recordingWav(recording.duration), type: 'audio/wav' };
    }
    if (is('GET', /^(?:\/calls\/[^/]+\/legs\/[^/]+)?\/recordings\/([^/]+)$/)) return { status: 200, body: one(recordingJson(this.recording(m![1])), `/recordings/${m![1]}`) };
    if (is('POST', /^(?:\/calls\/[^/]+\/legs\/[^/]+)?\/recordings\/([^/]+)\/transcriptions$/)) {
      const recording = this.recording(m![1]);
      const at = stamp();
      const transcription: DoubleTranscription = { id: randomUUID(), createdAt: at, updatedAt: at, text: `Transcription of recording ${recording.id}`, error: null };
      recording.transcriptions.push(transcription);
      return { status: 201, body: one(transcriptionJson(recording, transcription), `/transcriptions/${transcription.id}`) };
    }
    if (is('GET', /^(?:\/calls\/[^/]+\/legs\/[^/]+)?\/recordings\/([^/]+)\/transcriptions$/)) {
      const recording = this.recording(m![1]);
      return { status: 200, body: list(recording.transcriptions.map((t) => transcriptionJson(recording, t)), `/recordings/${recording.id}/transcriptions`, page) };
    }
    if (is('GET', /^(?:\/calls\/[^/]+\/legs\/[^/]+\/recordings\/[^/]+)?\/transcriptions\/([^/]+?)(\.txt)?$/)) {
      const found = [...this.calls.values()].flatMap((c) => c.recordings).flatMap((r) => r.transcriptions.map((t) => ({ r, t }))).find(({ t }) => t.id === m![1]);
      if (!found) throw notFound('transcription');
      // Its text once MessageBird has it (docs/messagebird.md, A15).
      if (m![2] && found.t.text === null) throw notFound('transcription text');
      return m![2] ? { status: 200, body: found.t.text, type: 'text/plain' } : { status: 200, body: one(transcriptionJson(found.r, found.t), `/transcriptions/${found.t.id}`) };
    }
    if (is('POST', /^\/call-flows$/)) return { status: 201, body: list([this.saveCallFlow(randomUUID(), parseJson(body))], '/call-flows', 1) };
    if (is('GET', /^\/call-flows$/)) return { status: 200, body: list([...this.callFlows.values()].map(callFlowJson), '/call-flows', page) };
    if (is('GET', /^\/call-flows\/([^/]+)$/)) return { status: 200, body: one(callFlowJson(this.callFlow(m![1])), `/call-flows/${m![1]}`) };
    if (is('PUT', /^\/call-flows\/([^/]+)$/)) {
      const existing = this.callFlow(m![1]);
      return { status: 200, body: one(this.saveCallFlow(existing.id, { ...existing, ...(parseJson(body) as object) }), `/call-flows/${existing.id}`) };
    }
    if (is('DELETE', /^\/call-flows\/([^/]+)$/)) {
      this.callFlow(m![1]);
      this.callFlows.delete(m![1]);
      return { status: 204 };
    }
    throw new HttpError(method === 'GET' || method === 'POST' || method === 'PUT' || method === 'DELETE' ? 404 : 405, [{ code: 13, message: `No route ${method} ${path}` }]);
  }

  private placeCall(body: any): DoubleCall {
    const errors: DoubleError[] = [];
    if (typeof body?.source !== 'string' || body.source === '') errors.push({ code: 11, message: 'The `source` parameter is required.' });
    if (typeof body?.destination !== 'string' || body.destination === '') errors.push({ code: 11, message: 'The `destination` parameter is required.' });
    else if (!DESTINATION.test(body.destination)) errors.push({ code: 12, message: `The \`destination\` parameter is invalid: ${body.destination}` });
    if (body?.callFlow === undefined) errors.push({ code: 11, message: 'The `callFlow` parameter is required.' });
    else errors.push(...checkCallFlow(body.callFlow));
    if (body?.webhook !== undefined && !/^https?:\/\//.test(body.webhook?.url ?? '')) errors.push({ code: 12, message: 'The `webhook.url` parameter is invalid.' });
    if (errors.length > 0) throw new HttpError(400, errors);
    const at = stamp();
    const call: DoubleCall = {
      id: randomUUID(),
      status: 'starting',
      source: body.source,
      destination: body.destination,
      createdAt: at,
      updatedAt: at,
      endedAt: null,
      webhook: body.webhook,
      callFlow: body.callFlow,
      legs: [],
      recordings: [],
      fetches: [],
      played: [],
      recorded: [],
      said: [],
    };
    this.calls.set(call.id, call);
    const run = new CallRun(
      {
        script: this.script,
        notify: (c, event) => this.notify(c, event),
        fetchCallFlow: (c, flowUrl) => this.fetchCallFlow(c, flowUrl),
        fetchMedia: (media) => this.fetchMedia(media),
      },
      call,
      calleeFor(this.script, call.destination),
    );
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

  private notify(call: DoubleCall, event: 'callCreated' | 'callUpdated'): void {
    if (!call.webhook?.url) return;
    const delivery: Delivery = { callId: call.id, event, url: call.webhook.url, body: this.webhookBody(call, event), status: 0, attempts: 0 };
    this.deliveries.push(delivery);
    const previous = this.deliveryChains.get(call.id) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(() => this.deliver(delivery))
      .finally(() => {
        if (this.deliveryChains.get(call.id) === next) this.deliveryChains.delete(call.id);
      });
    this.deliveryChains.set(call.id, next);
  }

  /** Up to three attempts, as long as the answer is not 2xx. */
  private async deliver(delivery: Delivery): Promise<void> {
    if (this.webhookFilter(delivery) === 'drop') {
      delivery.status = 'dropped';
      return;
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      delivery.attempts = attempt;
      try {
        delivery.status = await this.post(delivery.url, delivery.body);
      } catch {
        delivery.status = 0;
      }
      if (typeof delivery.status === 'number' && delivery.status >= 200 && delivery.status < 300) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async fetchCallFlow(call: DoubleCall, flowUrl: string): Promise<{ status: number; flow?: unknown }> {
    const url = new URL(flowUrl);
    const callee = call.legs[0];
    url.searchParams.set('callID', call.id);
    if (callee) url.searchParams.set('legID', callee.id);
    url.searchParams.set('source', call.source);
    url.searchParams.set('destination', call.destination);
    const href = url.toString();
    try {
      const response = await fetch(href, { headers: { 'messagebird-signature-jwt': signRequest(this.options.signingKey, href, undefined), accept: 'application/json' } });
      const text = await response.text();
      if (!response.ok) return { status: response.status };
      const parsed = JSON.parse(text);
      return { status: response.status, flow: Array.isArray(parsed?.data) ? parsed.data[0] : parsed };
    } catch {
      return { status: 0 };
    }
  }

  /** A `play` step's media, fetched as a player would (no signature: media URLs are plain files). */
  private async fetchMedia(media: string): Promise<{ media: string; status: number; type: string | null; head: string }> {
    try {
      const response = await fetch(media);
      const bytes = Buffer.from(await response.arrayBuffer());
      return { media, status: response.status, type: response.headers.get('content-type'), head: bytes.subarray(0, 4).toString('latin1') };
    } catch {
      return { media, status: 0, type: null, head: '' };
    }
  }

  private saveCallFlow(id: string, body: any): any {
    const errors = checkCallFlow(body, 'callFlow');
    if (errors.length > 0) throw new HttpError(400, errors);
    const at = stamp();
    const flow = {
      id,
      title: body.title,
      record: body.record ?? false,
      steps: body.steps.map((s: object & { id?: string }) => ({ ...s, id: s.id ?? randomUUID() })),
      createdAt: this.callFlows.get(id)?.createdAt ?? at,
      updatedAt: at,
    };
    this.callFlows.set(id, flow);
    return callFlowJson(flow);
  }

  private call(id: string): DoubleCall {
    const call = this.calls.get(id);
    if (!call) throw notFound('call');
    return call;
  }

  private leg(callId: string, legId: string): DoubleLeg {
    const leg = this.call(callId).legs.find((l) => l.id === legId);
    if (!leg) throw notFound('leg');
    return leg;
  }

  private recording(id: string): DoubleRecording {
    const recording = [...this.calls.values()].flatMap((c) => c.recordings).find((r) => r.id === id);
    if (!recording) throw notFound('recording');
    return recording;
  }

  private callFlow(id: string) {
    const flow = this.callFlows.get(id);
    if (!flow) throw notFound('call flow');
    return flow;
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, [{ code: 16, message: 'The request body could not be parsed as JSON' }]);
  }
}

function notFound(what: string): HttpError {
  return new HttpError(404, [{ code: 13, message: `The requested ${what} could not be found` }]);
}

function one(data: unknown, self: string) {
  return { data: [data], _links: { self } };
}

function list(items: unknown[], self: string, page: number) {
  const pageCount = Math.max(1, Math.ceil(items.length / PER_PAGE));
  return {
    data: items.slice((page - 1) * PER_PAGE, page * PER_PAGE),
    _links: { self: `${self}?page=${page}` },
    pagination: { totalCount: items.length, pageCount, currentPage: page, perPage: PER_PAGE },
  };
}

function callJson(call: DoubleCall) {
  const { id, status, source, destination, createdAt, updatedAt, endedAt } = call;
  return { id, status, source, destination, createdAt, updatedAt, endedAt, _links: { self: `/calls/${id}`, legs: `/calls/${id}/legs` } };
}

function legJson(leg: DoubleLeg) {
  return { ...leg, cost: 0, currency: 'EUR', _links: { self: `/calls/${leg.callId}/legs/${leg.id}` } };
}

function recordingJson(recording: DoubleRecording) {
  const { id, legId, status, duration, createdAt, updatedAt } = recording;
  return { id, format: 'wav', legId, status, duration, type: 'call', createdAt, updatedAt, deletedAt: null, _links: { file: `/recordings/${id}.wav`, self: `/recordings/${id}` } };
}

function transcriptionJson(recording: DoubleRecording, transcription: DoubleTranscription) {
  return {
    id: transcription.id,
    recordingId: recording.id,
    error: transcription.error,
    createdAt: transcription.createdAt,
    updatedAt: transcription.updatedAt,
    _links: { self: `/transcriptions/${transcription.id}`, file: `/transcriptions/${transcription.id}.txt` },
  };
}

function callFlowJson(flow: DoubleCallFlow & { id: string; createdAt: string; updatedAt: string }) {
  return { ...flow, default: false, _links: { self: `/call-flows/${flow.id}` } };
}
