import { MessageBirdCall, MessageBirdEnvelope, MessageBirdLeg, MessageBirdRecording, MessageBirdTranscription, PlaceCallRequest } from './messagebird-api.types';
import { MessageBirdApiError, MessageBirdTransportError, parseErrorBody } from './messagebird-errors';

/** The API version every request asks for (X-MessageBird-Version). */
export const MESSAGEBIRD_API_VERSION = '20170314';

export interface MessageBirdClientOptions {
  baseUrl: string;
  accessKey: string;
  requestTimeoutMs: number;
  /** Tries to place one call: timeouts, connection failures and 5xx are tried again, up to this many times in all. */
  placementAttempts: number;
  /** First pause between placement attempts; doubled each time (with jitter). */
  retryBaseMs?: number;
  log?: (message: string) => void;
}

/**
 * The MessageBird Voice Calling API over Node's fetch: `Authorization: AccessKey …`, JSON bodies,
 * `X-MessageBird-Version`. A 2xx body is the `{data: [...], _links, pagination}` envelope (204: none);
 * any other status is a MessageBirdApiError carrying `errors[].code/message`.
 */
export class MessageBirdClient {
  private readonly retryBaseMs: number;

  constructor(
    private readonly options: MessageBirdClientOptions,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 250;
  }

  /**
   * POST /calls. Retried on timeouts, connection failures and 5xx with exponential backoff, at most
   * `placementAttempts` tries; a 4xx is thrown at once. Once MessageBird has answered with a call,
   * that call is the one: nothing here ever places it again.
   */
  async placeCall(request: PlaceCallRequest): Promise<MessageBirdCall> {
    for (let attempt = 1; ; attempt++) {
      let envelope: MessageBirdEnvelope<MessageBirdCall> | undefined;
      try {
        envelope = await this.request<MessageBirdEnvelope<MessageBirdCall>>('POST', '/calls', request);
      } catch (error) {
        const retryable = error instanceof MessageBirdTransportError || (error instanceof MessageBirdApiError && error.retryable);
        if (!retryable || attempt >= this.options.placementAttempts) throw error;
        const pause = this.backoff(attempt);
        this.options.log?.(`placing a call to ${request.destination} failed (${(error as Error).message}); attempt ${attempt + 1} in ${pause} ms`);
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      const call = envelope?.data?.[0];
      // Accepted without an id: it may well ring, so it is not placed again.
      if (!call?.id) throw new Error('MessageBird accepted the call but returned no call id');
      return call;
    }
  }

  /** GET /calls/{id}. */
  async getCall(callId: string): Promise<MessageBirdCall> {
    const envelope = await this.request<MessageBirdEnvelope<MessageBirdCall>>('GET', `/calls/${encodeURIComponent(callId)}`);
    const call = envelope?.data?.[0];
    if (!call) throw new MessageBirdApiError(404, [{ code: 13, message: 'empty answer' }], `GET /calls/${callId}`);
    return call;
  }

  /** GET /calls?page=N: one page of the account's calls. */
  async listCalls(page = 1): Promise<MessageBirdEnvelope<MessageBirdCall>> {
    return (await this.request<MessageBirdEnvelope<MessageBirdCall>>('GET', `/calls?page=${page}`)) ?? { data: [] };
  }

  /** GET /calls/{id}/legs (every page). */
  async listLegs(callId: string): Promise<MessageBirdLeg[]> {
    return this.allPages<MessageBirdLeg>(`/calls/${encodeURIComponent(callId)}/legs`);
  }

  /** GET /calls/{id}/legs/{legId}/recordings (every page). */
  async listRecordings(callId: string, legId: string): Promise<MessageBirdRecording[]> {
    return this.allPages<MessageBirdRecording>(`/calls/${encodeURIComponent(callId)}/legs/${encodeURIComponent(legId)}/recordings`);
  }

  /** GET /calls/{id}/legs/{legId}/recordings/{recordingId}/transcriptions (every page). */
  async listTranscriptions(callId: string, legId: string, recordingId: string): Promise<MessageBirdTranscription[]> {
    return this.allPages<MessageBirdTranscription>(`${recordingPath(callId, legId, recordingId)}/transcriptions`);
  }

  /** GET …/transcriptions/{id}.txt: the transcription's text, or null while MessageBird answers 404 (not ready yet). */
  async transcriptionText(callId: string, legId: string, recordingId: string, transcriptionId: string): Promise<string | null> {
    const path = `${recordingPath(callId, legId, recordingId)}/transcriptions/${encodeURIComponent(transcriptionId)}.txt`;
    const response = await this.send('GET', path, undefined, 'text/plain, */*');
    if (response.status === 404) {
      await response.arrayBuffer();
      return null;
    }
    if (!response.ok) throw new MessageBirdApiError(response.status, parseErrorBody(await readJson(response)), `GET ${path}`);
    return response.text();
  }

  /** DELETE /calls/{id}: hangs up every leg of a call in progress. 204 on success. */
  async deleteCall(callId: string): Promise<void> {
    await this.request('DELETE', `/calls/${encodeURIComponent(callId)}`);
  }

  /** A file (recording `.wav`): the raw response, to be streamed; a non-2xx status is thrown. */
  async download(path: string): Promise<Response> {
    const response = await this.send('GET', path, undefined, 'audio/wav, */*');
    if (!response.ok) throw new MessageBirdApiError(response.status, parseErrorBody(await readJson(response)), `GET ${path}`);
    return response;
  }

  /** One request; the parsed JSON body of a 2xx (undefined for 204 or an empty body). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const response = await this.send(method, path, body);
    const parsed = await readJson(response);
    if (!response.ok) throw new MessageBirdApiError(response.status, parseErrorBody(parsed), `${method} ${path}`);
    return parsed as T | undefined;
  }

  private async send(method: string, path: string, body: unknown, accept = 'application/json'): Promise<Response> {
    const label = `${method} ${path}`;
    try {
      return await this.fetchImpl(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `AccessKey ${this.options.accessKey}`,
          'x-messagebird-version': MESSAGEBIRD_API_VERSION,
          accept,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new MessageBirdTransportError(`${label}: no answer within ${this.options.requestTimeoutMs} ms`, label);
      }
      throw new MessageBirdTransportError(`${label}: ${err.cause?.code ?? err.message}`, label);
    }
  }

  private async allPages<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= 100; page++) {
      const envelope = await this.request<MessageBirdEnvelope<T>>('GET', `${path}?page=${page}`);
      items.push(...(envelope?.data ?? []));
      if (!envelope?.pagination || envelope.pagination.currentPage >= envelope.pagination.pageCount) break;
    }
    return items;
  }

  private backoff(attempt: number): number {
    const base = this.retryBaseMs * 2 ** (attempt - 1);
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
}

function recordingPath(callId: string, legId: string, recordingId: string): string {
  return `/calls/${encodeURIComponent(callId)}/legs/${encodeURIComponent(legId)}/recordings/${encodeURIComponent(recordingId)}`;
}

/** The JSON body of a response, undefined when it has none (204); a body that is not JSON is kept as text. */
async function readJson(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
