import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { API_KEY_HEADER } from './api-key.guard';

/**
 * Cheap polling (README "Cheap polling (ETag)"): a GET whose representation is known by a small version (a
 * campaign's `version`, an organization's counters) answers a strong ETag derived from that version, and
 * `If-None-Match` with it gets a 304 without the representation being read at all.
 */

/**
 * A strong entity tag of `parts` (what the representation is made from: its kind, the organization, the
 * version, the query): the first 144 bits of a SHA-256 of their JSON, quoted.
 */
export function strongEtag(...parts: unknown[]): string {
  return `"${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 24)}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag` (RFC 9110 §13.1.2): `*` matches any current representation;
 * otherwise a comma-separated list of entity tags, compared weakly (a `W/` prefix is ignored). A header that is
 * absent or malformed matches nothing.
 */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const match of value.matchAll(/(?:W\/)?("[^"]*")/g)) if (match[1] === opaque) return true;
  return false;
}

/** The request and response of a conditional GET; see `answer`. */
export class ConditionalGet {
  constructor(
    private readonly request: Request,
    private readonly response: Response,
  ) {}

  /**
   * Answers with `etag`: `Cache-Control: private, no-cache` (any cache asks again each time), `Vary` on the API
   * key; a 304 without a body when If-None-Match matches, else what `render` makes (never called for a 304).
   */
  async answer<T>(etag: string, render: () => T | Promise<T>): Promise<T | undefined> {
    if (this.notModified(etag)) return undefined;
    const body = await render();
    this.response.setHeader('ETag', etag);
    return body;
  }

  /**
   * `answer` for a representation whose source is costly to read whole (a campaign's row, with its flow and
   * settings): a request with If-None-Match is first checked against `currentEtag()`, which reads only the
   * version, and gets its 304 from that. Otherwise `load()` reads the source and gives the ETag of what was
   * read with its `render`, so the ETag sent with a body is always that body's own, even if the version moved
   * between the two reads.
   */
  async answerVersioned<T>(
    currentEtag: () => Promise<string>,
    load: () => Promise<{ etag: string; render: () => T | Promise<T> }>,
  ): Promise<T | undefined> {
    if (this.request.headers['if-none-match'] !== undefined && this.notModified(await currentEtag())) return undefined;
    const { etag, render } = await load();
    return this.answer(etag, render);
  }

  /** Sets the caching headers; when If-None-Match matches `etag`, also the ETag and the 304. */
  private notModified(etag: string): boolean {
    const response = this.response;
    response.setHeader('Cache-Control', 'private, no-cache');
    response.vary(API_KEY_HEADER);
    if (!ifNoneMatchHits(this.request.headers['if-none-match'], etag)) return false;
    response.setHeader('ETag', etag);
    response.status(304);
    return true;
  }
}

/** The route's conditional GET (its request's If-None-Match, its response's ETag and status). */
export const Conditional = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ConditionalGet =>
    new ConditionalGet(context.switchToHttp().getRequest<Request>(), context.switchToHttp().getResponse<Response>()),
);

/** OpenAPI: the operation answers an ETag, takes If-None-Match, and may answer 304. */
export function ApiConditionalGet(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description:
        'The ETag of the representation the client has (or a list of them, or `*`): when it is still current, the answer is a 304 ' +
        'without a body, found by reading only the version, not the calls.',
      schema: { type: 'string', example: '"q3Yl0d6v3m3A1nYV2yJtR0kq"' },
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the ETag in If-None-Match is current; no body (use the one you have)',
      headers: {
        ETag: { description: 'The current strong entity tag', schema: { type: 'string' } },
        'Cache-Control': { description: '`private, no-cache`', schema: { type: 'string' } },
      },
    }),
  );
}

/** The headers of a conditional GET's 200, for its ApiOkResponse. */
export const CONDITIONAL_OK_HEADERS = {
  ETag: {
    description: 'A strong entity tag of this representation: it changes whenever anything in it changes; send it back in If-None-Match',
    schema: { type: 'string' },
  },
  'Cache-Control': { description: '`private, no-cache`: a cache must ask again (If-None-Match) before reusing it', schema: { type: 'string' } },
};
