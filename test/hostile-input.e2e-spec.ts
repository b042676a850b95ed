import { Agent, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { buildHostileCorpus, HostileCase } from './support/hostile-corpus';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Item 7 of issue 7: thousands of hostile requests (support/hostile-corpus.ts) through the real app
 * over real HTTP. Every refused one must be a 4xx in the error shape with nothing stored; every one the
 * contract accepts must be accepted; nothing may be a 5xx, pollute a prototype or stop the app.
 */
const KEY = 'x-credential-api-key';
const IN_FLIGHT = 16;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json?: any;
}

function send(port: number, agent: Agent, c: HostileCase, apiKey: string): Promise<Answer> {
  const path = c.target === 'csv' ? '/call/csv' : `/call${c.target === 'dryRun' ? '?dryRun=true' : c.query ? `?${c.query}` : ''}`;
  const headers: Record<string, string | number> = { [KEY]: apiKey, 'content-length': c.body.length, ...c.headers };
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers, agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    // The service may answer (and close) before it has read a refused body: the answer is what counts.
    req.on('error', (error) => {
      if (!answered) reject(new Error(`case ${c.id} (${c.kind}: ${c.note}): ${error.message}`));
    });
    req.end(c.body);
  });
}

/** What is wrong with one answer, or undefined when it is what the case expects. */
function judge(c: HostileCase, answer: Answer): string | undefined {
  const body = answer.json;
  const problem = (what: string) => `${what}; got ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) return problem('a 5xx');
  if (c.expect.outcome === 'refused') {
    if (!c.expect.statuses.includes(answer.status)) return problem(`expected ${c.expect.statuses.join(' or ')}`);
    if (!String(answer.headers['content-type']).startsWith('application/json')) return problem('not JSON');
    if (typeof body !== 'object' || body === null || typeof body.status !== 'string' || typeof body.message !== 'string' || body.message === '') {
      return problem('not the error shape {status, message}');
    }
    const allowed = ['status', 'message', 'errors', 'errorCount', 'importReport'];
    if (Object.keys(body).some((k) => !allowed.includes(k))) return problem('keys outside the error shape');
    if ('stack' in body || /\n\s+at /.test(answer.text)) return problem('a stack trace');
    if (body.errors !== undefined) {
      if (!Array.isArray(body.errors) || body.errors.length === 0 || body.errors.some((e: any) => typeof e?.field !== 'string' || typeof e?.message !== 'string')) {
        return problem('errors[] that are not {field, message}');
      }
      if (body.errorCount < body.errors.length) return problem('errorCount below the errors listed');
    }
    if (c.expect.errorsListed && !Array.isArray(body.errors)) return problem('no errors[] for a validation failure');
    if (c.expect.fields) {
      const named: string[] = (body.errors ?? []).map((e: any) => e.field);
      // The field itself, a field around it (`destinations[0].properties` for a placeholder), or one inside it (`callFlow.steps` of a `callFlow: {}`).
      const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
      const covered = c.expect.fields.some((f) => named.some((n) => within(f, n) || within(n, f)));
      if (!covered) return problem(`none of ${c.expect.fields.join(', ')} named`);
    }
    return undefined;
  }
  if (c.expect.outcome === 'accepted') {
    if (answer.status !== 200) return problem('expected 200 (a valid request)');
    if (body?.requestId !== c.requestId || body?.status !== 'submitted') return problem(`expected the submitted campaign ${c.requestId}`);
    return undefined;
  }
  if (answer.status !== 200) return problem('expected 200 (a dry run)');
  if (body?.dryRun !== true || body.rejected !== c.expect.rejected) return problem(`expected a dry run with ${c.expect.rejected} rejected`);
  if (c.expect.rejected > 0 && !(body.errorCount >= c.expect.rejected)) return problem('rejected destinations not listed');
  return undefined;
}

describe('hostile input (issue 7, item 7)', () => {
  let t: TestApp;
  let port: number;
  let agent: Agent;
  let hostileKey: string;
  let hostileOrg: string;
  let validKey: string;
  let validOrg: string;

  beforeAll(async () => {
    // Calls of accepted campaigns ring for a minute, one at a time: the corpus is not slowed by dialing.
    t = await startTestApp({ simulatorScript: { default: { ringMs: 60_000 } }, simulatorSpeed: 1, config: { rateLimit: { perSecond: 0, burst: 1 } } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    ({ id: hostileOrg, apiKey: hostileKey } = await t.createOrganization(1, 'hostile'));
    ({ id: validOrg, apiKey: validKey } = await t.createOrganization(1, 'valid mutations'));
  }, 30_000);
  afterAll(async () => {
    agent?.destroy();
    await t?.close();
  });

  it('refuses every hostile request with a 4xx in the error shape, stores none of them, and accepts the valid mutations', async () => {
    const { cases } = buildHostileCorpus();
    expect(cases.length).toBeGreaterThanOrEqual(5000);
    const prototypesBefore = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort());

    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    const byKind = new Map<string, Map<number, number>>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        // Accepted cases go to their own organization: the hostile one must end up with nothing at all.
        const answer = await send(port, agent, c, c.expect.outcome === 'accepted' ? validKey : hostileKey);
        byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
        const kind = byKind.get(c.kind) ?? new Map<number, number>();
        kind.set(answer.status, (kind.get(answer.status) ?? 0) + 1);
        byKind.set(c.kind, kind);
        const problem = judge(c, answer);
        if (problem) failures.push(`#${c.id} ${c.kind} → ${c.target}: ${c.note}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const table = [...byKind].map(([kind, statuses]) => `  ${kind.padEnd(30)} ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    console.log(
      `hostile corpus: ${cases.length} requests (${cases.filter((c) => c.target === 'call').length} POST /call, ` +
        `${cases.filter((c) => c.target === 'dryRun').length} dry runs, ${cases.filter((c) => c.target === 'csv').length} POST /call/csv)\n` +
        `by status: ${[...byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}\n` +
        `by kind:\n${table.join('\n')}`,
    );
    if (process.env.HOSTILE_REPORT) require('node:fs').writeFileSync(process.env.HOSTILE_REPORT, failures.join('\n'));
    expect(failures.slice(0, 40)).toEqual([]);
    expect([...byStatus.keys()].filter((s) => s >= 500)).toEqual([]);

    // Nothing leaked into the prototypes of this process (the app runs in it).
    expect([Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort())).toEqual(prototypesBefore);
    expect(({} as any).polluted).toBeUndefined();

    // Still answering.
    const health = await t.http.get('/health');
    expect(health.status).toBe(200);

    // Straight from PostgreSQL: nothing at all for the hostile organization; exactly the accepted campaigns for the other.
    const db = new Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    try {
      const counts = async (org: string) => {
        const [{ requests }] = (await db.query('SELECT count(*)::int AS requests FROM call_requests WHERE organization_id = $1', [org])).rows;
        const [{ calls }] = (await db.query('SELECT count(*)::int AS calls FROM calls WHERE organization_id = $1', [org])).rows;
        return { requests, calls };
      };
      expect(await counts(hostileOrg)).toEqual({ requests: 0, calls: 0 });
      const stored = (await db.query('SELECT request_id FROM call_requests WHERE organization_id = $1', [validOrg])).rows.map((r) => r.request_id).sort();
      const accepted = cases.filter((c) => c.expect.outcome === 'accepted').map((c) => c.requestId!).sort();
      expect(accepted.length).toBeGreaterThan(100);
      expect(stored).toEqual(accepted);
      const [{ orphans }] = (await db.query('SELECT count(*)::int AS orphans FROM calls c WHERE NOT EXISTS (SELECT 1 FROM call_requests r WHERE r.id = c.call_request_id)')).rows;
      expect(orphans).toBe(0);
    } finally {
      await db.end();
    }
  }, 120_000);
});
