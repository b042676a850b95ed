import type { Request, Response } from 'express';
import { ConditionalGet, ifNoneMatchHits, strongEtag } from './conditional-get';

describe('conditional GET', () => {
  const etag = strongEtag('status', 'org', 'campaign', '7', { page: 1 });

  it('makes a strong, quoted tag that depends on every part', () => {
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{24}"$/);
    expect(strongEtag('status', 'org', 'campaign', '7', { page: 1 })).toBe(etag);
    expect(strongEtag('status', 'org', 'campaign', '8', { page: 1 })).not.toBe(etag);
    expect(strongEtag('status', 'other', 'campaign', '7', { page: 1 })).not.toBe(etag);
    expect(strongEtag('status', 'org', 'campaign', '7', { page: 2 })).not.toBe(etag);
  });

  it('matches If-None-Match as RFC 9110 says: *, lists, weak comparison', () => {
    expect(ifNoneMatchHits(undefined, etag)).toBe(false);
    expect(ifNoneMatchHits('', etag)).toBe(false);
    expect(ifNoneMatchHits('*', etag)).toBe(true);
    expect(ifNoneMatchHits(` * `, etag)).toBe(true);
    expect(ifNoneMatchHits(etag, etag)).toBe(true);
    expect(ifNoneMatchHits(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(`"a", "b,c",${etag}`, etag)).toBe(true);
    expect(ifNoneMatchHits(['"a"', etag], etag)).toBe(true);
    expect(ifNoneMatchHits('"a", W/"b"', etag)).toBe(false);
    expect(ifNoneMatchHits(etag.slice(1, -1), etag)).toBe(false); // unquoted: not an entity tag
  });

  describe('answerVersioned', () => {
    const exchange = (ifNoneMatch?: string) => {
      const headers: Record<string, string> = {};
      const response = { statusCode: 200, setHeader: (name: string, value: string) => (headers[name] = value), vary: () => undefined, status: (code: number) => (response.statusCode = code) };
      const conditional = new ConditionalGet({ headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch } } as unknown as Request, response as unknown as Response);
      return { conditional, headers, response };
    };
    const tag = (version: number) => strongEtag('status', 'org', 'campaign', String(version));

    it('answers a current If-None-Match with a 304 from the version alone, without loading the source', async () => {
      const { conditional, headers, response } = exchange(tag(7));
      const load = jest.fn();
      expect(await conditional.answerVersioned(async () => tag(7), load)).toBeUndefined();
      expect([response.statusCode, headers.ETag, load.mock.calls.length]).toEqual([304, tag(7), 0]);
    });

    it('sends with a body the ETag of what was read for it, even when the version moved after the check', async () => {
      const { conditional, headers, response } = exchange(tag(7));
      const body = await conditional.answerVersioned(async () => tag(8), async () => ({ etag: tag(9), render: () => ({ version: 9 }) }));
      expect([response.statusCode, headers.ETag, body]).toEqual([200, tag(9), { version: 9 }]);
    });

    it('reads the version only for a conditional request', async () => {
      const { conditional, headers } = exchange();
      const currentEtag = jest.fn(async () => tag(7));
      expect(await conditional.answerVersioned(currentEtag, async () => ({ etag: tag(7), render: () => 'page' }))).toBe('page');
      expect([currentEtag.mock.calls.length, headers.ETag]).toEqual([0, tag(7)]);
    });
  });
});
