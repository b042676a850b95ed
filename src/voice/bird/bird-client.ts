import { BirdCall, BirdCommand, BirdCommandResponse, BirdList, BirdRecording, BirdTranscription, PlaceCallRequest } from './bird-api.types';
import { BirdApiError, BirdTransportError, errorFromBody } from './bird-errors';

export interface BirdClientOptions {
  baseUrl: string;
  accessKey: string;
  workspaceId: string;
  channelId: string;
  requestTimeoutMs: number;
  /** Tries to place one call: timeouts, connection failures and 5xx are tried again, up to this many times in all. */
  placementAttempts: number;
  /** First pause between attempts; doubled each time (with jitter). */
  retryBaseMs?: number;
  log?: (message: string) => void;
}

/** Tries of a call command (a command that may have arrived is sent again only after a transport failure or a 5xx). */
const COMMAND_ATTEMPTS = 2;

/**
 * Bird's Channels Voice API over Node's fetch: `Authorization: AccessKey …`, JSON bodies; a non-2xx answer
 * is a BirdApiError carrying Bird's code and message.
 */
export class BirdClient {
  private readonly retryBaseMs: number;

  constructor(
    private readonly options: BirdClientOptions,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 250;
  }

  private get callsPath(): string {
    return `/workspaces/${encodeURIComponent(this.options.workspaceId)}/channels/${encodeURIComponent(this.options.channelId)}/calls`;
  }

  /**
   * POST …/calls. Retried on timeouts, connection failures and 5xx with exponential backoff, at most
   * `placementAttempts` tries; a 4xx is thrown at once. Once Bird has answered with a call id, that call
   * is the one: nothing here ever places it again.
   */
  async placeCall(request: PlaceCallRequest): Promise<BirdCall> {
    const call = await this.withRetries(this.options.placementAttempts, `placing a call to ${request.to}`, () => this.request<BirdCall>('POST', this.callsPath, request));
    // Accepted without an id: it may well ring, so it is not placed again.
    if (!call?.id) throw new Error('Bird accepted the call but returned no call id');
    return call;
  }

  /** POST …/calls/{callId}/{command}: one call command (B2). */
  async command(callId: string, command: BirdCommand): Promise<BirdCommandResponse | undefined> {
    const path = `${this.callsPath}/${encodeURIComponent(callId)}/${command.command}`;
    return this.withRetries(COMMAND_ATTEMPTS, `${command.command} on call ${callId}`, () => this.request<BirdCommandResponse>('POST', path, command.options ?? {}));
  }

  /** GET …/calls/{callId} (B11). */
  async getCall(callId: string): Promise<BirdCall> {
    const call = await this.request<BirdCall>('GET', `${this.callsPath}/${encodeURIComponent(callId)}`);
    if (!call?.id) throw new BirdApiError(404, 'NotFound', 'empty answer', `GET call ${callId}`);
    return call;
  }

  /** GET …/channels/{channelId}/calls filtered by callee and start (List calls from a channel), every page up to `maxPages`. */
  async listCalls(filter: { to?: string; startAt?: Date; status?: string }, maxPages = 20): Promise<BirdCall[]> {
    const calls: BirdCall[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const query = new URLSearchParams({ limit: '100' });
      if (filter.to) query.set('to', filter.to);
      if (filter.startAt) query.set('startAt', filter.startAt.toISOString());
      if (filter.status) query.set('status', filter.status);
      if (pageToken) query.set('pageToken', pageToken);
      const list = await this.request<BirdList<BirdCall>>('GET', `${this.callsPath}?${query}`);
      calls.push(...(list?.results ?? []));
      pageToken = list?.nextPageToken;
      if (!pageToken) break;
    }
    return calls;
  }

  /** GET …/calls/{callId}/recordings (List call recordings of a call). */
  async listCallRecordings(callId: string): Promise<BirdRecording[]> {
    return (await this.request<BirdList<BirdRecording>>('GET', `${this.callsPath}/${encodeURIComponent(callId)}/recordings?limit=100`))?.results ?? [];
  }

  /** GET /workspaces/{ws}/recordings?id={callId}: a call's recordings, over or not (List Recordings). */
  async listRecordings(callId: string): Promise<BirdRecording[]> {
    const path = `/workspaces/${encodeURIComponent(this.options.workspaceId)}/recordings?id=${encodeURIComponent(callId)}&limit=99`;
    return (await this.request<BirdList<BirdRecording>>('GET', path))?.results ?? [];
  }

  /** The transcriptions of a recording (B6). */
  async listTranscriptions(recordingId: string): Promise<BirdTranscription[]> {
    const path = `/workspaces/${encodeURIComponent(this.options.workspaceId)}/recordings/${encodeURIComponent(recordingId)}/transcriptions`;
    return (await this.request<BirdList<BirdTranscription>>('GET', path))?.results ?? [];
  }

  /** A transcription's text (Get a Transcription: `.txt`). */
  async transcriptionText(transcriptionId: string): Promise<string> {
    const response = await this.send('GET', `/workspaces/${encodeURIComponent(this.options.workspaceId)}/transcriptions/${encodeURIComponent(transcriptionId)}.txt`, undefined, 'text/plain');
    const text = await response.text();
    if (!response.ok) throw errorFromBody(response.status, parseJson(text), 'GET transcription text');
    return text.trim();
  }

  /** A recording's audio as WAV (B8): the raw response, to be streamed. */
  async recordingAudio(recordingId: string): Promise<Response> {
    const path = `/workspaces/${encodeURIComponent(this.options.workspaceId)}/recordings/${encodeURIComponent(recordingId)}.wav`;
    const response = await this.send('GET', path, undefined, 'audio/wav');
    if (!response.ok) throw errorFromBody(response.status, parseJson(await response.text()), `GET recording ${recordingId}`);
    return response;
  }

  /** One request; the parsed JSON body of a 2xx (undefined for an empty body). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    const parsed = text.trim() === '' ? undefined : parseJson(text);
    if (!response.ok) throw errorFromBody(response.status, parsed, `${method} ${path.split('?')[0]}`);
    return parsed as T | undefined;
  }

  private async send(method: string, path: string, body: unknown, accept = 'application/json'): Promise<Response> {
    const label = `${method} ${path.split('?')[0]}`;
    try {
      return await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        headers: { authorization: `AccessKey ${this.options.accessKey}`, accept, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new BirdTransportError(`${label}: no answer within ${this.options.requestTimeoutMs} ms`, label);
      throw new BirdTransportError(`${label}: ${err.cause?.code ?? err.message}`, label);
    }
  }

  private async withRetries<T>(attempts: number, what: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const retryable = error instanceof BirdTransportError || (error instanceof BirdApiError && error.retryable);
        if (!retryable || attempt >= attempts) throw error;
        const base = this.retryBaseMs * 2 ** (attempt - 1);
        const pause = Math.round(base / 2 + Math.random() * (base / 2));
        this.options.log?.(`${what} failed (${(error as Error).message}); attempt ${attempt + 1} in ${pause} ms`);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
