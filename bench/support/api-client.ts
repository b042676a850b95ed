/** A minimal client of the service's HTTP API (node's built-in fetch), timing every request. */
export interface TimedResponse<T = any> {
  status: number;
  body: T;
  /** From sending the request to having read the whole response body. */
  ms: number;
  /** Size of the response body. */
  bytes: number;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  /** The headers that authenticate a request (for requests made without this client, e.g. streamed uploads). */
  authHeaders(): Record<string, string> {
    return { 'x-credential-api-key': this.apiKey };
  }

  get<T = any>(path: string): Promise<TimedResponse<T>> {
    return this.request<T>('GET', path);
  }

  /** `body` may be pre-serialized JSON, so that serializing it is not part of the measured time. */
  post<T = any>(path: string, body: string | object): Promise<TimedResponse<T>> {
    return this.request<T>('POST', path, body);
  }

  put<T = any>(path: string, body: string | object): Promise<TimedResponse<T>> {
    return this.request<T>('PUT', path, body);
  }

  /** Throws on an unexpected answer (by default: any non-2xx): the benchmark cannot go on from there. */
  async request<T>(method: string, path: string, body?: string | object, expectedStatus?: number): Promise<TimedResponse<T>> {
    const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { 'x-credential-api-key': this.apiKey };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    const ms = performance.now() - started;
    if (expectedStatus === undefined ? !response.ok : response.status !== expectedStatus) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return { status: response.status, body: text ? JSON.parse(text) : undefined, ms, bytes: Buffer.byteLength(text) };
  }
}
