import { fetchWithContractCheck } from './support/contract';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEED_EXAMPLE } from './support/seed-example';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist/main.js');
const CLI = join(ROOT, 'scripts/cli.sh');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `npm start` with nothing configured: the built service, in an empty directory, with no DATABASE_URL or REDIS_URL. */
describe('zero-configuration start (dist/main.js, built by the test command)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'robocall-zero-config-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SIMULATOR_SPEED: '200' };
  let service: ChildProcess;
  let output = '';
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(join(workDir, 'script.json'), JSON.stringify({ numbers: { '+84917660247': { digits: ['', '1'] } } }));
    Object.assign(env, { PORT: String(port), SIMULATOR_SCRIPT: join(workDir, 'script.json') });
    service = spawn(process.execPath, [MAIN], { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (chunk) => (output += chunk));
    service.stderr!.on('data', (chunk) => (output += chunk));
    await until('GET /health', 90_000, async () => ((await fetch(`${base}/health`)).ok ? true : undefined));
  }, 100_000);

  afterAll(() => {
    if (service.exitCode === null) service.kill('SIGKILL');
  });

  const api = (path: string, apiKey: string, init: RequestInit = {}) =>
    fetchWithContractCheck(`${base}${path}`, { ...init, headers: { 'x-credential-api-key': apiKey, 'content-type': 'application/json', ...init.headers } });

  it('prints a default organization key once and runs the seed example on the simulator', async () => {
    const apiKey = output.match(/x-credential-api-key: (\S+)/)?.[1];
    expect(apiKey).toMatch(/^rk_/);
    expect(output).toMatch(/Embedded PostgreSQL \(PGlite\)/);
    expect(output).toMatch(/Private redis-server at redis:\/\/127\.0\.0\.1:\d+/);

    const submitted = await api('/call', apiKey!, { method: 'POST', body: JSON.stringify(SEED_EXAMPLE) });
    expect(submitted.status).toBe(200);
    const done = await until('the campaign to complete', 30_000, async () => {
      const body: any = await (await api('/status/request_10', apiKey!)).json();
      return body.status === 'completed' ? body : undefined;
    });
    expect(done.details[0].callFlowSteps.map((s: any) => s.info.userPressedDigits)).toEqual(['', '1', '', '']);
    expect((await api('/organization/usage', apiKey!)).status).toBe(200);
  }, 60_000);

  it('takes a CSV upload on the embedded database (batched inserts: it has no COPY), and refuses a bad one leaving nothing', async () => {
    const apiKey = output.match(/x-credential-api-key: (\S+)/)![1];
    const rows = Array.from({ length: 12_000 }, (_, i) => `+65 9${String(i).padStart(7, '0')},Debtor ${i},${i}$`);
    const upload = (requestId: string, csv: string) => {
      const form = new FormData();
      form.set('requestId', requestId);
      form.set('caller', '+6582674904');
      form.set('callFlow', JSON.stringify({ steps: [{ name: 'play', message: { msg: 'Hello {{name}}, you owe {{amount}}' } }] }));
      form.set('file', new Blob([csv], { type: 'text/csv' }), 'debtors.csv');
      return fetchWithContractCheck(`${base}/call/csv`, { method: 'POST', body: form, headers: { 'x-credential-api-key': apiKey } });
    };
    const accepted = await upload('embedded-csv', `phone,name,amount\n${rows.join('\n')}\n`);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as any).importReport).toMatchObject({ rowsAccepted: 12_000, rowsRejected: 0 });
    const status: any = await (await api('/status/embedded-csv?page=120&perPage=100', apiKey)).json();
    expect(status.summary.total).toBe(12_000);
    expect(status.details.at(-1).destination).toBe('+6590011999');

    const refused = await upload('embedded-csv-bad', `phone,name,amount\n${rows.slice(0, 6000).join('\n')}\nnot-a-number,X,1$\n`);
    expect(refused.status).toBe(400);
    expect((await api('/status/embedded-csv-bad', apiKey)).status).toBe(404);
  }, 60_000);

  it('creates another organization with the CLI while the service runs, from the current build, and the key works at once', async () => {
    const builtAt = statSync(MAIN).mtimeMs;
    const { stdout } = await promisify(execFile)('bash', [CLI, 'org:create', '--name', 'Acme', '--max-concurrent-calls', '3'], { cwd: workDir, env });
    // `npm run cli` (scripts/cli.sh) did not rebuild dist/ under the running service: the build was current.
    expect(statSync(MAIN).mtimeMs).toBe(builtAt);
    const created = JSON.parse(stdout);
    expect(created).toMatchObject({ name: 'Acme', maxConcurrentCalls: 3, apiKey: expect.stringMatching(/^rk_/) });
    const usage = await (await api('/organization/usage', created.apiKey)).json();
    expect(usage).toMatchObject({ limit: 3, externalOngoingCalls: 0, ongoingCalls: 0, free: 3 });
    expect((await api('/organization/usage', 'rk_not-a-key')).status).toBe(401);
  }, 60_000);

  it('stops cleanly on SIGTERM and takes its private redis-server with it', async () => {
    const redisPort = Number(output.match(/Private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/)![1]);
    expect(await portAnswers(redisPort)).toBe(true);
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    service.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await portAnswers(redisPort)).toBe(false);
  }, 30_000);
});
