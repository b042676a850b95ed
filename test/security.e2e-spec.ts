import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { CampaignControlService } from '../src/campaigns/campaign-control.service';
import { CampaignsService } from '../src/campaigns/campaigns.service';
import { ApiRateLimiter, TooManyRequestsException, tokensPerCall } from '../src/common/api-rate-limiter';
import { loadConfig } from '../src/config/app-config';
import { RedisService } from '../src/redis/redis.service';
import { startTestApp, TestApp } from './support/test-app';

/** Issue 7, item 8: rate limits per key, body size limits, security headers, no stack traces, log redaction. */
const KEY = 'x-credential-api-key';

const campaign = (requestId: string) => ({
  requestId,
  destinations: [{ phone: '+6588893322', caller: '+6582674904', properties: { name: 'Alex' } }],
  callFlow: { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] },
});

async function storedRequests(t: TestApp): Promise<number> {
  const db = new Client({ connectionString: t.config.databaseUrl });
  await db.connect();
  try {
    return (await db.query('SELECT count(*)::int AS n FROM call_requests')).rows[0].n;
  } finally {
    await db.end();
  }
}

describe('rate limit tokens taken ahead (one Redis call for several requests)', () => {
  let a: TestApp;
  let b: TestApp;
  // Two tokens per Redis call (a hundredth of a second's rate), a bucket of 50.
  const limit = { perSecond: 200, burst: 50 };
  beforeAll(async () => {
    a = await startTestApp({ config: { rateLimit: limit } });
    b = await startTestApp({ join: a, config: { rateLimit: limit } });
  }, 30_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** The limiter of an app, and how many times it has called Redis's script. */
  const counted = (app: TestApp) => {
    const client = app.app.get(RedisService).client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = client.takeApiTokens.bind(client);
    const counter = { calls: 0 };
    client.takeApiTokens = (...args: unknown[]) => {
      counter.calls++;
      return original(...args);
    };
    return { limiter: app.app.get(ApiRateLimiter), counter };
  };
  const outcome = (take: Promise<void>) =>
    take.then(
      () => 'ok' as const,
      (error) => {
        if (!(error instanceof TooManyRequestsException)) throw error;
        return 'refused' as const;
      },
    );

  it('takes a hundredth of a second of the rate per Redis call, at least one token and at most the burst', () => {
    expect(tokensPerCall(2000, 4000)).toBe(20);
    expect(tokensPerCall(200, 50)).toBe(2);
    expect(tokensPerCall(0.01, 5)).toBe(1);
    expect(tokensPerCall(100_000, 30)).toBe(30);
  });

  it('serves requests from the tokens it took, and the processes together never take more than the bucket holds', async () => {
    const [one, two] = [counted(a), counted(b)];
    // 40 requests in a row on one process: all within the bucket, about one Redis call per two.
    for (let i = 0; i < 40; i++) await one.limiter.take('ahead-1');
    expect(one.counter.calls).toBeLessThanOrEqual(30);
    expect(one.counter.calls).toBeGreaterThanOrEqual(20);

    // 300 at once, half on each process, on a fresh bucket: never more granted than it held plus what time added.
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => outcome((i % 2 ? one : two).limiter.take('ahead-2'))));
    const seconds = (performance.now() - started) / 1000;
    const granted = outcomes.filter((o) => o === 'ok').length;
    expect(granted).toBeGreaterThanOrEqual(1);
    expect(granted).toBeLessThanOrEqual(limit.burst + Math.ceil(limit.perSecond * seconds));
    expect(outcomes).toContain('refused');

    // Once Redis said the bucket is empty, the requests until a token can appear are refused without asking it.
    const before = one.counter.calls;
    const refused: string[] = [];
    for (let i = 0; i < 50; i++) refused.push(await outcome(one.limiter.take('ahead-2')));
    expect(refused.filter((o) => o === 'refused').length).toBeGreaterThan(0);
    expect(one.counter.calls - before).toBeLessThan(50);
  });
});

describe('rate limit per API key', () => {
  let t: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    // 5 requests at once, then one per 100 s: nothing in this test waits for a refill.
    t = await startTestApp({ config: { rateLimit: { perSecond: 0.01, burst: 5 } } });
    second = await startTestApp({ join: t, config: { rateLimit: { perSecond: 0.01, burst: 5 } } });
  }, 30_000);
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('answers 429 with Retry-After once a key has used its burst, on every API process, and leaves other keys alone', async () => {
    const a = await t.createOrganization(1, 'A');
    const b = await t.createOrganization(1, 'B');
    // Three on one process, two on the other: one shared bucket.
    for (const http of [t.http, t.http, t.http, second.http, second.http]) {
      expect((await http.get('/organization/usage').set(KEY, a.apiKey)).status).toBe(200);
    }
    for (const http of [t.http, second.http]) {
      const refused = await http.get('/campaigns').set(KEY, a.apiKey);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ status: 'too_many_requests', message: expect.stringContaining('retry after') });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(100);
    }
    // A refused POST /call stores nothing.
    expect((await t.http.post('/call').set(KEY, a.apiKey).send(campaign('limited'))).status).toBe(429);
    expect(await storedRequests(t)).toBe(0);

    // B has its own bucket.
    const other = await t.http.post('/call').set(KEY, b.apiKey).send(campaign('b-1'));
    expect(other.status).toBe(200);
    expect((await second.http.get('/status/b-1').set(KEY, b.apiKey)).status).toBe(200);
  });

  it('does not limit what needs no key, nor count unknown keys against a real one', async () => {
    const c = await t.createOrganization(1, 'C');
    for (let i = 0; i < 12; i++) {
      expect((await t.http.get('/health')).status).toBe(200);
      expect((await t.http.get('/dashboard')).status).toBe(200);
      expect((await t.http.get('/campaigns').set(KEY, `rk_not-a-key-${i}`)).status).toBe(401);
    }
    expect((await t.http.get('/campaigns').set(KEY, c.apiKey)).status).toBe(200);
  });

  it('is generous by default and can be turned off', () => {
    expect(loadConfig({}).rateLimit).toEqual({ perSecond: 2000, burst: 4000 });
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '0' }).rateLimit.perSecond).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_PER_SECOND: '-1' })).toThrow(/RATE_LIMIT_PER_SECOND/);
  });
});

describe('body limits, headers, errors and logs', () => {
  let t: TestApp;
  let apiKey: string;
  beforeAll(async () => {
    t = await startTestApp({ config: { jsonBodyMaxBytes: 4096, csvUpload: { maxFileBytes: 2048, maxRows: 1000 }, logRedactPii: true } });
    ({ apiKey } = await t.createOrganization(1));
  }, 30_000);
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  it('answers a JSON body over JSON_BODY_MAX_BYTES with 413 in the error shape, storing nothing', async () => {
    expect(loadConfig({}).jsonBodyMaxBytes).toBe(64 * 1024 * 1024);
    const body = campaign('too-large');
    body.destinations[0].properties.name = 'x'.repeat(5000);
    const response = await t.http.post('/call').set(KEY, apiKey).send(body);
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ status: 'payload_too_large', message: 'Body is larger than the 4096 byte limit' });
    const small = await t.http.post('/call').set(KEY, apiKey).send(campaign('small-enough'));
    expect(small.status).toBe(200);
    expect(await storedRequests(t)).toBe(1);
  });

  it('refuses a CSV over CSV_MAX_FILE_BYTES (its own limit) with a 400 naming the file', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `+65910${String(i).padStart(5, '0')},+6582674904,Alex`).join('\n');
    const response = await t.http
      .post('/call/csv')
      .set(KEY, apiKey)
      .field('requestId', 'big-csv')
      .field('callFlow', JSON.stringify(campaign('x').callFlow))
      .attach('file', Buffer.from(`phone,caller,name\n${rows}\n`), 'debtors.csv');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'file', message: 'is larger than the limit of 2048 bytes (CSV_MAX_FILE_BYTES)' }]);
    expect((await t.http.get('/status/big-csv').set(KEY, apiKey)).status).toBe(404);
  });

  it('sets the security headers on API answers, the dashboard and /docs', async () => {
    for (const path of ['/health', '/dashboard', '/docs', '/campaigns']) {
      const response = await t.http.get(path);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(response.headers['content-security-policy']).toMatch(/object-src 'none'/);
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
    // The dashboard's inline import map is allowed by its hash, and nothing else inline is.
    const page = await t.http.get('/dashboard');
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.text)![1];
    const hash = createHash('sha256').update(importMap, 'utf8').digest('base64');
    const scriptSrc = /script-src ([^;]*)/.exec(page.headers['content-security-policy'])![1];
    expect(scriptSrc).toBe(`'self' 'sha256-${hash}'`);
    const docs = await t.http.get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });

  it('answers a provoked 500 without a stack or the error text, and logs it with phone numbers masked', async () => {
    const secret = new Error('boom: connection to 10.0.0.7 refused for +6588893322');
    jest.spyOn(CampaignsService.prototype, 'list').mockRejectedValue(secret);
    jest.spyOn(CampaignControlService.prototype, 'cancelDestination').mockRejectedValue(secret);
    const written: string[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      jest.spyOn(stream, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
        written.push(String(chunk));
        return (write as any)(chunk, ...rest);
      });
    }
    for (const request of [t.http.get('/campaigns'), t.http.post('/status/r1/destinations/%2B6591234567/cancel')]) {
      const response = await request.set(KEY, apiKey);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ status: 'internal_error', message: 'Internal server error' });
      expect(response.text).not.toMatch(/boom|at .*\.ts|stack/);
    }
    const log = written.join('');
    expect(log).toContain('boom: connection to 10.0.0.7 refused for +65******22');
    expect(log).toContain('POST /status/r1/destinations/%2B65******67/cancel failed');
    expect(log).not.toMatch(/6588893322|6591234567/);
  });
});
