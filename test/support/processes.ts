import { fetchWithContractCheck } from './contract';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from './polling';

/** The built service (`npm run build`): these helpers start real OS processes of it. */
export const REPO_ROOT = join(__dirname, '../..');
const MAIN = join(REPO_ROOT, 'dist/main.js');
const CLI = join(REPO_ROOT, 'dist/cli.js');
const OUTPUT_KEPT_CHARS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

/** What every service process of one process test shares: its database, its Redis namespace, and a small pool. */
export function serviceProcessEnv(options: { databaseUrl: string; redisUrl: string; queuePrefix: string }): Record<string, string> {
  return { DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl, QUEUE_PREFIX: options.queuePrefix, DATABASE_POOL_SIZE: '5' };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServiceProcess {
  name: string;
  role: 'api' | 'worker' | 'all';
  pid: number;
  /** http://127.0.0.1:PORT for the api and all roles. */
  baseUrl?: string;
  /** http://127.0.0.1:METRICS_PORT/metrics */
  metricsUrl: string;
  /** Its stdout and stderr so far (the last OUTPUT_KEPT_CHARS). */
  output(): string;
  readonly exited: boolean;
  /** Sends a signal and waits for the exit (SIGKILL: no shutdown hook runs, as in a crash). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, SIGKILL after a timeout; idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  role: 'api' | 'worker' | 'all';
  /** Everything the service reads (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, ...); PATH and HOME are added. */
  env: Record<string, string>;
  /** Bearer token of METRICS_TOKEN, used for the readiness probe of METRICS_PORT. */
  metricsToken: string;
  readyTimeoutMs?: number;
  /** The HTTP port of an api or all process (default: a free one), e.g. when PUBLIC_BASE_URL must name it. */
  port?: number;
}

/**
 * A group of service processes started by one test file; stopAll() in afterAll kills whatever is still
 * running, whatever happened.
 */
export class ServiceProcesses {
  private readonly all: ServiceProcess[] = [];

  /**
   * Starts `node dist/main.js` in the given role with METRICS_PORT set, and resolves once it is ready:
   * GET /health for an HTTP role, GET /metrics on METRICS_PORT (listening once the application has
   * bootstrapped) for a worker.
   */
  async start(options: StartOptions): Promise<ServiceProcess> {
    const metricsPort = await freePort();
    const port = options.role === 'worker' ? undefined : (options.port ?? (await freePort()));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      APP_ROLE: options.role,
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: options.metricsToken,
      ...(port !== undefined && { PORT: String(port) }),
      ...options.env,
    };
    const child: ChildProcess = spawn(process.execPath, [MAIN], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const kill = async (signal: NodeJS.Signals) => {
      if (!exited) child.kill(signal);
      await exit;
    };
    let stopping: Promise<void> | undefined;
    const service: ServiceProcess = {
      name: options.name,
      role: options.role,
      pid: child.pid!,
      baseUrl: port === undefined ? undefined : `http://127.0.0.1:${port}`,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      output: () => output,
      get exited() {
        return exited;
      },
      kill,
      stop: () =>
        (stopping ??= (async () => {
          if (exited) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exit;
          clearTimeout(timer);
        })()),
    };
    this.all.push(service);

    const probe = service.baseUrl ? `${service.baseUrl}/health` : service.metricsUrl;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (exited) throw new Error(`${options.name} exited before it was ready:\n${output}`);
      if (Date.now() > deadline) throw new Error(`${options.name} was not ready in time:\n${output}`);
      const ready = await fetch(probe, { headers: { authorization: `Bearer ${options.metricsToken}` } }).then((r) => r.ok, () => false);
      if (ready) return service;
      await sleep(100);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.all.map((service) => service.stop()));
  }

  /** Output of every process, for a failing test's message. */
  outputs(lines = 40): string {
    return this.all.map((s) => `--- ${s.name} (pid ${s.pid})\n${s.output().trim().split('\n').slice(-lines).join('\n')}`).join('\n');
  }
}

/** `node dist/cli.js org:create`: a new organization in the database `env` names; its id and API key. */
export async function createOrganizationWithCli(env: Record<string, string>, name: string, maxConcurrentCalls: number): Promise<{ id: string; apiKey: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'org:create', '--name', name, '--max-concurrent-calls', String(maxConcurrentCalls)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  const created = JSON.parse(stdout);
  return { id: created.id, apiKey: created.apiKey };
}

/** Prometheus text format → samples (`name{labels}` → value); comments skipped. */
export function parsePrometheusText(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function sampleSum(samples: ReturnType<typeof parsePrometheusText>, name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Whether any sample of `name` with those labels exists. */
export function hasSample(samples: ReturnType<typeof parsePrometheusText>, name: string, labels: Record<string, string> = {}): boolean {
  return samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

export async function scrape(url: string, token: string): Promise<ReturnType<typeof parsePrometheusText>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return parsePrometheusText(await response.text());
}

/** One destination of GET /status, as the process tests read it. */
export interface StatusDetail {
  destination: string;
  status: string;
  call_state: string;
  call_status: string | null;
  attempts: number;
  dialedAt: string | null;
  endedAt: string | null;
  failureReason?: string | null;
}

/** The API of a running service process with one organization's key: what the process tests ask of it. */
export class CampaignApi {
  constructor(
    private readonly api: ServiceProcess,
    private readonly apiKey: string,
    /** Every process of the test: a wait that fails prints their output, and fails at once when one exits. */
    private readonly processes: ServiceProcesses,
    private readonly watched: ServiceProcess[] = [],
  ) {}

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    // Checked against openapi.json like the answers of the in-process test apps (test/support/contract.ts).
    return fetchWithContractCheck(`${this.api.baseUrl}${path}`, { ...init, headers: { 'x-credential-api-key': this.apiKey, 'content-type': 'application/json', ...init.headers } });
  }

  /** The request's status and summary; undefined while the API cannot answer (e.g. PostgreSQL is down). */
  async summary(requestId: string): Promise<{ status: string; summary: Record<string, number> } | undefined> {
    const response = await this.fetch(`/status/${requestId}?perPage=1`).catch(() => undefined);
    return response?.ok ? ((await response.json()) as any) : undefined;
  }

  /** Polls the summary until `test` holds; fails after `timeoutMs`, or as soon as a watched process exits. */
  async waitFor(requestId: string, test: (s: NonNullable<Awaited<ReturnType<CampaignApi['summary']>>>) => boolean, timeoutMs: number) {
    try {
      return await until(
        requestId,
        async () => {
          const dead = this.watched.filter((p) => p.exited).map((p) => p.name);
          if (dead.length > 0) throw new Error(`${dead.join(', ')} exited (no process may stop here)`);
          const s = await this.summary(requestId);
          return s && test(s) ? s : (await sleep(200), undefined);
        },
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last: ${JSON.stringify(await this.summary(requestId))}\n${this.processes.outputs()}`);
    }
  }

  /** Every destination of the request, 1,000 a page. */
  async details<T extends StatusDetail = StatusDetail>(requestId: string, total: number): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; all.length < total; page++) {
      const body: any = await (await this.fetch(`/status/${requestId}?page=${page}&perPage=1000`)).json();
      all.push(...body.details);
      if (body.details.length === 0) break;
    }
    return all;
  }
}
