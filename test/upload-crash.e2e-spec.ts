import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { writeDebtorCsv } from '../bench/support/debtor-csv';
import { uploadMultipart } from '../bench/support/multipart-upload';
import { fetchWithContractCheck } from './support/contract';
import { until } from './support/polling';
import { createOrganizationWithCli, ServiceProcess, ServiceProcesses, serviceProcessEnv } from './support/processes';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, TestDatabase } from './support/test-environment';

/**
 * Item 5 of issue 7: the API process SIGKILLed during POST /call/csv, with real OS processes of the built
 * service (an API process and a worker). Killed twice: once while the body is still arriving (the server
 * has spooled a good part of it), once after the whole body was sent, while the rows stream into
 * PostgreSQL (the COPY seen in pg_stat_activity). Each time nothing partial may stay behind (no
 * call_requests row, no calls), and the spool file the dead process left in its temporary directory
 * (TMPDIR, private to this test) must be cleaned up by the next API process. Then the same upload,
 * retried on a new API process, succeeds with every row, and the campaign runs.
 */
const ROWS = 300_000;
const METRICS_TOKEN = `metrics-${randomBytes(8).toString('hex')}`;
const callFlow = JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Dear {{name}}, {{amount}} is due on {{dueDate}}' } }] });
const requestId = 'upload-crash';

jest.setTimeout(90_000);

describe('API process killed during a CSV upload', () => {
  const processes = new ServiceProcesses();
  const namespace = createRedisNamespace();
  const workDir = mkdtempSync(join(tmpdir(), 'robocall-upload-crash-'));
  const spoolDir = join(workDir, 'api-tmp');
  const csvPath = join(workDir, 'debtors.csv');
  let database: TestDatabase;
  let db: Client;
  let env: Record<string, string>;
  let org: { id: string; apiKey: string };
  let fields: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(spoolDir); // the API processes' TMPDIR: it holds nothing but their spools
    database = await createTestDatabase();
    env = {
      ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, queuePrefix: namespace.prefix }),
      SIMULATOR_SPEED: '10',
      LOG_LEVEL: 'warn',
      TMPDIR: spoolDir,
    };
    const [, stats] = await Promise.all([
      processes.start({ name: 'worker', role: 'worker', env, metricsToken: METRICS_TOKEN }).then(async () => {
        org = await createOrganizationWithCli(env, 'Upload crash', 20);
      }),
      writeDebtorCsv(csvPath, ROWS),
    ]);
    expect(stats.rows).toBe(ROWS);
    fields = { requestId, callFlow, caller: '+6582674904', defaultRegion: 'SG' };
    db = new Client({ connectionString: database.url });
    await db.connect();
  }, 90_000);

  afterAll(async () => {
    await processes.stopAll();
    await db?.end().catch(() => undefined);
    await namespace.clear().catch(() => undefined);
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const startApi = (name: string) => processes.start({ name, role: 'api', env, metricsToken: METRICS_TOKEN });

  /** The spool directories in the API processes' TMPDIR, with the bytes of the file spooled in each. */
  function spools(): { name: string; bytes: number }[] {
    return readdirSync(spoolDir).map((name) => {
      let bytes = 0;
      try {
        for (const file of readdirSync(join(spoolDir, name))) bytes += statSync(join(spoolDir, name, file)).size;
      } catch {
        // removed meanwhile
      }
      return { name, bytes };
    });
  }

  /** What is stored for the organization: its campaigns, its calls, and sessions still writing into calls. */
  async function stored(): Promise<{ requests: number; calls: number }> {
    const { rows } = await db.query<{ requests: string; calls: string }>(
      `SELECT (SELECT count(*) FROM call_requests WHERE organization_id = $1 AND request_id = $2) AS requests,
              (SELECT count(*) FROM calls WHERE organization_id = $1) AS calls`,
      [org.id, requestId],
    );
    return { requests: Number(rows[0].requests), calls: Number(rows[0].calls) };
  }

  /** Backends of the test database running the COPY into calls. */
  async function copying(): Promise<number[]> {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY calls%' AND state <> 'idle'`,
    );
    return rows.map((r) => r.pid);
  }

  /** Sessions of the killed process's transaction must be gone (PostgreSQL rolled it back) before anything is counted. */
  async function noOpenTransactionOn(pids: number[]): Promise<void> {
    await until('the killed upload\'s session to end', async () => {
      const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)`, [pids]);
      return rows.length === 0 ? true : (await new Promise((r) => setTimeout(r, 50)), undefined);
    }, 15_000);
  }

  /**
   * A multipart POST of the CSV that stops writing after `stopAfterBytes` of the file (and never finishes):
   * the server is left mid-body.
   */
  function startStalledUpload(api: ServiceProcess, stopAfterBytes: number): { done: Promise<unknown> } {
    const boundary = `----robocall-test-${randomBytes(8).toString('hex')}`;
    let preamble = '';
    for (const [name, value] of Object.entries(fields)) preamble += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    preamble += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="debtors.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const epilogue = `\r\n--${boundary}--\r\n`;
    const file = readFileSync(csvPath);
    const req = httpRequest(`${api.baseUrl}/call/csv`, {
      method: 'POST',
      agent: false,
      headers: {
        'x-credential-api-key': org.apiKey,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(Buffer.byteLength(preamble) + file.length + Buffer.byteLength(epilogue)),
      },
    });
    const done = new Promise((resolve) => {
      req.on('error', resolve);
      req.on('response', (response) => resolve(new Error(`answered ${response.statusCode} to a body that never ended`)));
    });
    req.write(preamble);
    req.write(file.subarray(0, stopAfterBytes));
    return { done };
  }

  it('killed mid-body and again mid-COPY: nothing partial stored, the spool cleaned by the next process; the retried upload succeeds and the campaign runs', async () => {
    const fileBytes = statSync(csvPath).size;

    // 1. Killed while the body is arriving: 60 % of the file sent, at least half of it spooled by the server.
    const api1 = await startApi('api-1');
    const stalled = startStalledUpload(api1, Math.floor(fileBytes * 0.6));
    const spooledAtKill1 = await until('half of the file spooled', async () => {
      const total = spools().reduce((sum, s) => sum + s.bytes, 0);
      return total >= fileBytes * 0.5 ? total : (await new Promise((r) => setTimeout(r, 10)), undefined);
    }, 30_000);
    await api1.kill('SIGKILL');
    const clientSaw1 = await stalled.done;
    const leftByKill1 = spools();
    expect(await copying()).toEqual([]); // the body never ended: no row had reached PostgreSQL
    expect(await stored()).toEqual({ requests: 0, calls: 0 });

    // 2. A new API process: the dead one's spool is cleaned up; the whole body sent, killed while the COPY runs.
    const api2 = await startApi('api-2');
    const leftAfterRestart1 = await until('the stale spool removed', async () => (spools().length === 0 ? [] : (await new Promise((r) => setTimeout(r, 50)), undefined)), 5000).catch(() => spools());
    const upload2 = uploadMultipart({ url: `${api2.baseUrl}/call/csv`, headers: { 'x-credential-api-key': org.apiKey }, fields, file: { field: 'file', path: csvPath }, timeoutMs: 60_000 }).then(
      (result) => new Error(`answered ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`),
      (error: Error) => error,
    );
    const copyPids = await until('the COPY of the upload in pg_stat_activity', async () => {
      const pids = await copying();
      return pids.length > 0 ? pids : (await new Promise((r) => setTimeout(r, 10)), undefined);
    }, 30_000);
    const spooledAtKill2 = spools().filter((s) => !leftAfterRestart1.some((stale) => stale.name === s.name)).reduce((sum, s) => sum + s.bytes, 0);
    await new Promise((r) => setTimeout(r, 300)); // well into the COPY (a few seconds for 300,000 rows)
    const stillCopying = (await copying()).length > 0;
    await api2.kill('SIGKILL');
    const clientSaw2 = await upload2;
    const leftByKill2 = spools();
    await noOpenTransactionOn(copyPids);
    expect(await stored()).toEqual({ requests: 0, calls: 0 });

    // 3. A third API process: the spool is cleaned up again; the same upload retried succeeds with every row.
    const api3 = await startApi('api-3');
    const leftAfterRestart2 = await until('the stale spool removed', async () => (spools().length === 0 ? [] : (await new Promise((r) => setTimeout(r, 50)), undefined)), 5000).catch(() => spools());
    const retried = await uploadMultipart({ url: `${api3.baseUrl}/call/csv`, headers: { 'x-credential-api-key': org.apiKey }, fields, file: { field: 'file', path: csvPath }, timeoutMs: 60_000 });
    const afterRetry = spools();
    const storedAfterRetry = await stored();
    const running = await until('calls of the retried upload ended', async () => {
      const response = await fetchWithContractCheck(`${api3.baseUrl}/status/${requestId}?perPage=1`, { headers: { 'x-credential-api-key': org.apiKey } });
      const body: any = await response.json();
      return body.summary?.ended >= 50 ? body : (await new Promise((r) => setTimeout(r, 100)), undefined);
    }, 30_000);
    // Stop dialing the remaining ~300,000 calls.
    await fetchWithContractCheck(`${api3.baseUrl}/status/${requestId}/cancel`, { method: 'POST', headers: { 'x-credential-api-key': org.apiKey } });

    console.log(
      `upload crash: ${ROWS} rows, ${fileBytes} bytes; kill 1 mid-body with ${spooledAtKill1} bytes spooled (client: ${(clientSaw1 as Error).message}), ` +
        `left ${JSON.stringify(leftByKill1)}, after the next start ${JSON.stringify(leftAfterRestart1)}; ` +
        `kill 2 during the COPY (${spooledAtKill2} bytes spooled, COPY still running at the kill: ${stillCopying}; client: ${clientSaw2.message}), ` +
        `left ${JSON.stringify(leftByKill2)}, after the next start ${JSON.stringify(leftAfterRestart2)}; ` +
        `retry: ${retried.status}, rowsAccepted ${retried.body?.importReport?.rowsAccepted}, stored ${JSON.stringify(storedAfterRetry)}, ${running.summary.ended} calls ended before the cancel`,
    );

    expect(spooledAtKill1).toBeLessThan(fileBytes);
    expect(leftAfterRestart1).toEqual([]);
    expect(spooledAtKill2).toBe(fileBytes);
    expect(stillCopying).toBe(true);
    expect(leftAfterRestart2).toEqual([]);
    expect(retried.status).toBe(200);
    expect(retried.body.importReport).toMatchObject({ rowsRead: ROWS, rowsAccepted: ROWS, rowsRejected: 0 });
    expect(retried.body.summary.total).toBe(ROWS);
    expect(storedAfterRetry).toEqual({ requests: 1, calls: ROWS });
    expect(afterRetry).toEqual([]); // the successful upload removed its own spool
    expect(running.summary.ended).toBeGreaterThanOrEqual(50);
  });
});
