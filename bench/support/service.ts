import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from './api-client';
import { BenchDatabase, clearRedisPrefix, createDatabase, randomSuffix, REDIS_URL } from './infrastructure';

/** The repository root (this file runs from dist-bench/bench/support). */
export const REPO_ROOT = resolve(__dirname, '../../..');

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_LINES_KEPT = 200;

export interface ServiceOptions {
  /** The organization's concurrent-call limit (BOOTSTRAP_MAX_CONCURRENT_CALLS). */
  maxConcurrentCalls: number;
  /** Written to a temp file and passed as SIMULATOR_SCRIPT. */
  simulatorScript: object;
  simulatorSpeed?: number;
  /** More environment for the service, given its base URL (e.g. VOICE_PROVIDER=messagebird and PUBLIC_BASE_URL). */
  env?: (baseUrl: string) => Record<string, string>;
  /**
   * API_PROCESSES (unset: 1, one process of role all). With N > 1, `pid` is the cluster's primary, which forks
   * the worker part and then N API processes together; /health answers once the first of them is up.
   */
  apiProcesses?: number;
}

export interface RunningService {
  api: ApiClient;
  /** The process started (with API_PROCESSES > 1, the primary: its children are in bench/support/cpu.ts processTree). */
  pid: number;
  database: BenchDatabase;
  /** Service output lines at level warn and above (LOG_LEVEL=warn), last ones only. */
  output(): string[];
  /** Idempotent: SIGTERM, SIGKILL after a timeout, then drops the database and the Redis keys. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Services started and not yet stopped, so that an interrupted run can still clean up. */
const running = new Set<RunningService>();

export async function stopAllServices(): Promise<void> {
  await Promise.allSettled([...running].map((service) => service.stop()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `node dist/main.js` as a child process (its own event loop) on a fresh database,
 * its own Redis key prefix, a free port and a bootstrapped organization; resolves once GET /health is 200.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const database = await createDatabase();
  const suffix = randomSuffix();
  const queuePrefix = `robocall-bench-${suffix}`;
  const apiKey = `bench-key-${suffix}-${randomSuffix()}`;
  const scriptDir = mkdtempSync(join(tmpdir(), 'robocall-bench-'));
  const scriptPath = join(scriptDir, 'simulator-script.json');
  writeFileSync(scriptPath, JSON.stringify(options.simulatorScript));
  const port = await freePort();

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > OUTPUT_LINES_KEPT) lines.splice(0, lines.length - OUTPUT_LINES_KEPT);
  };
  // BENCH_CPU_PROF=1: the service writes a V8 CPU profile on exit (for analysis only; it slows the service down).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, 'bench-results', 'profiles')}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, 'dist/main.js'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: database.url,
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      BOOTSTRAP_API_KEY: apiKey,
      BOOTSTRAP_MAX_CONCURRENT_CALLS: String(options.maxConcurrentCalls),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SIMULATOR_SCRIPT: scriptPath,
      SIMULATOR_SPEED: String(options.simulatorSpeed ?? 1),
      ...(options.apiProcesses !== undefined && { API_PROCESSES: String(options.apiProcesses) }),
      ...options.env?.(`http://127.0.0.1:${port}`),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));

  let stopping: Promise<void> | undefined;
  // Every caller waits for the same, complete cleanup.
  const stop = () => (stopping ??= shutdown());
  const shutdown = async () => {
    running.delete(service);
    if (!exited) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exit.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    const cleanups = [database.drop(), clearRedisPrefix(queuePrefix)];
    for (const result of await Promise.allSettled(cleanups)) {
      if (result.status === 'rejected') console.error(`  cleanup failed: ${result.reason}`);
    }
    rmSync(scriptDir, { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const service: RunningService = { api: new ApiClient(baseUrl, apiKey), pid: child.pid!, database, output: () => [...lines], stop };
  running.add(service);
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`the service did not become healthy (${exited ? `exited with ${child.exitCode}` : 'timed out'}):\n${lines.join('\n')}`);
    }
    const healthy = await fetch(`${baseUrl}/health`).then((r) => r.status === 200, () => false);
    if (healthy) break;
    await sleep(100);
  }

  return service;
}

/** Runs `fn` against a started service, and always stops it (and removes its database and keys). */
export async function withService<T>(options: ServiceOptions, fn: (service: RunningService) => Promise<T>): Promise<T> {
  const service = await startService(options);
  try {
    return await fn(service);
  } catch (error) {
    const output = service.output();
    if (output.length > 0) console.error(`  last service output:\n    ${output.slice(-30).join('\n    ')}`);
    throw error;
  } finally {
    await service.stop();
  }
}
