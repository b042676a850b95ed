/** Bird answered with an error status; `code`, `message` and `details` as its body gave them (B10). */
export class BirdApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly request: string,
  ) {
    super(`Bird error${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''} (HTTP ${status})`);
    this.name = 'BirdApiError';
  }

  /** 5xx and 429 may be sent again; a 4xx is a refusal and never is. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

/** No answer from Bird: a timeout or a connection failure. The request may or may not have arrived. */
export class BirdTransportError extends Error {
  constructor(
    message: string,
    readonly request: string,
  ) {
    super(message);
    this.name = 'BirdTransportError';
  }
}

/** `{code, message, details: {field: [problems]}}` → one line naming the fields (B10); a body of another shape is kept short. */
export function errorFromBody(status: number, body: unknown, request: string): BirdApiError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; details?: unknown };
  const code = typeof b.code === 'string' ? b.code : undefined;
  const details =
    typeof b.details === 'object' && b.details !== null
      ? Object.entries(b.details as Record<string, unknown>)
          .map(([field, problems]) => `${field}: ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`)
          .join('; ')
      : '';
  const message = typeof b.message === 'string' ? b.message : typeof body === 'string' ? body.slice(0, 200) : undefined;
  return new BirdApiError(status, code, [message, details].filter(Boolean).join(' — ') || undefined, request);
}
