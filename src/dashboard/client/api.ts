import type { ErrorBody } from './types.js';

/** The organization's key lives in this tab's sessionStorage only: never in a URL, gone when the tab closes. */
const KEY_STORAGE = 'robocall.apiKey';
const API_KEY_HEADER = 'x-credential-api-key';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_STORAGE);
  lastAnswers.clear();
}

/** The API refused the key (401): the dashboard asks for it again. */
export class UnauthorizedError extends Error {
  constructor(readonly key: string | null) {
    super('This API key is not valid');
  }
}

/** Any other non-2xx answer, with the API's error body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly body: ErrorBody | null,
  ) {
    super(body?.message ?? `The server answered ${httpStatus}`);
  }
}

/** The server could not be reached at all (network down, server restarting). */
export class NetworkError extends Error {}

/** A request with the stored key; throws UnauthorizedError on 401 and ApiError on any other failure. */
export async function apiFetch(path: string, init: RequestInit = {}, key = storedKey()): Promise<Response> {
  if (!key) throw new UnauthorizedError(null);
  const headers = new Headers(init.headers);
  headers.set(API_KEY_HEADER, key);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    throw new NetworkError(error instanceof Error ? error.message : String(error));
  }
  if (response.status === 401) throw new UnauthorizedError(key);
  if (!response.ok && response.status !== 304) throw new ApiError(response.status, await errorBody(response));
  return response;
}

/**
 * The last answer with an ETag of each GET (per key and path): a poll sends its ETag in If-None-Match, and a 304
 * (nothing changed; the server only read a version) reuses its body. The most recent MAX_ANSWERS paths are kept.
 */
const lastAnswers = new Map<string, { etag: string; body: unknown }>();
const MAX_ANSWERS = 50;

export async function getJson<T>(path: string, key = storedKey()): Promise<T> {
  const id = `${key}\u0000${path}`;
  const last = lastAnswers.get(id);
  const response = await apiFetch(path, last ? { headers: { 'If-None-Match': last.etag } } : {}, key);
  if (response.status === 304 && last) {
    lastAnswers.delete(id); // most recently used last
    lastAnswers.set(id, last);
    return structuredClone(last.body) as T;
  }
  if (response.status === 304) throw new ApiError(304, null); // a 304 to a request without If-None-Match: not HTTP
  const body = (await response.json()) as T;
  const etag = response.headers.get('etag');
  lastAnswers.delete(id);
  if (etag) {
    lastAnswers.set(id, { etag, body: structuredClone(body) });
    if (lastAnswers.size > MAX_ANSWERS) lastAnswers.delete(lastAnswers.keys().next().value!);
  }
  return body;
}

async function errorBody(response: Response): Promise<ErrorBody | null> {
  try {
    const body = await response.json();
    return body && typeof body === 'object' && typeof body.message === 'string' ? (body as ErrorBody) : null;
  } catch {
    return null;
  }
}

/** `/status/{requestId}…` with the requestId escaped (it may hold any character). */
export function statusPath(requestId: string, suffix = ''): string {
  return `/status/${encodeURIComponent(requestId)}${suffix}`;
}

/** The file name a Content-Disposition header gives (`filename*=UTF-8''…` preferred), or `fallback`. */
export function dispositionFilename(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      /* fall through to the plain form */
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(header);
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1');
  const plain = /filename\s*=\s*([^;\s]+)/.exec(header);
  return plain ? plain[1] : fallback;
}

/** Saves a fetched file (an export) under the server's file name, through a short-lived blob: link. */
export async function saveDownload(response: Response, fallback: string): Promise<void> {
  const blob = await response.blob();
  const name = dispositionFilename(response.headers.get('content-disposition'), fallback);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
