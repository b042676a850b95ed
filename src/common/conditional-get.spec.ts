import { ifNoneMatchHits, strongEtag } from './conditional-get';

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
});
