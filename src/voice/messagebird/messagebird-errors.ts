/** MessageBird's Voice Calling API error codes and what they mean (its API reference, "Error codes"). */
export const MESSAGEBIRD_ERROR_CODES: Record<number, string> = {
  11: 'a required parameter is missing',
  12: 'a parameter has an invalid value',
  13: 'the resource was not found',
  14: 'access to the resource is forbidden',
  15: 'authentication is missing',
  16: 'the request body could not be parsed',
  17: 'the X-MessageBird-Version header is invalid',
  18: 'a query parameter has an invalid value',
  21: 'internal error on the MessageBird platform',
  25: 'the action cannot be processed on this object',
};

export interface MessageBirdErrorDetail {
  code: number;
  message: string;
}

/** MessageBird answered with an error status; `errors` as its body listed them (may be empty). */
export class MessageBirdApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: MessageBirdErrorDetail[],
    readonly request: string,
  ) {
    super(describeApiError(status, errors));
    this.name = 'MessageBirdApiError';
  }

  /** 5xx (and 429): the request may be sent again. A 4xx is our mistake or a refusal: never retried. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }

  get notFound(): boolean {
    return this.status === 404 || this.errors.some((e) => e.code === 13);
  }
}

/** No answer from MessageBird: a timeout or a connection failure. The request may or may not have arrived. */
export class MessageBirdTransportError extends Error {
  constructor(
    message: string,
    readonly request: string,
  ) {
    super(message);
    this.name = 'MessageBirdTransportError';
  }
}

/** "MessageBird error 12 (a parameter has an invalid value): destination is invalid (HTTP 422)". */
export function describeApiError(status: number, errors: MessageBirdErrorDetail[]): string {
  if (errors.length === 0) return `MessageBird answered HTTP ${status}`;
  const parts = errors.map((e) => {
    const meaning = MESSAGEBIRD_ERROR_CODES[e.code];
    return `MessageBird error ${e.code}${meaning ? ` (${meaning})` : ''}: ${e.message}`;
  });
  return `${parts.join('; ')} (HTTP ${status})`;
}

/** Reads `errors[].code/message` from an error body; tolerates `description` (the reference's name) for `message`. */
export function parseErrorBody(body: unknown): MessageBirdErrorDetail[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
    .map((e) => ({ code: Number(e.code), message: String(e.message ?? e.description ?? '') }));
}
