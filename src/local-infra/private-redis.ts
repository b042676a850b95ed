import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REDIS_SERVER_NOT_FOUND_MESSAGE =
  'redis-server not found on PATH: install it (apt-get install redis-server) or set REDIS_URL (docker compose up -d starts one)';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 500;
const POLL_INTERVAL_MS = 50;
const STOP_TIMEOUT_MS = 3_000;
const OUTPUT_TAIL_CHARS = 2_000;

/**
 * Runs redis-server ("$@") in the background and kills it as soon as stdin
 * reaches EOF, i.e. when this process closes the pipe or dies in any way,
 * SIGKILL included. Exits with redis-server's status once it has exited.
 * Asynchronous commands get stdin from /dev/null, hence the copy on fd 3.
 */
const WATCHDOG_SCRIPT = [
  'exec 3<&0',
  '"$@" & redis_pid=$!',
  '(read _ <&3; kill $redis_pid 2>/dev/null) &',
  'exec 3<&-',
  'wait $redis_pid',
].join('\n');

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  /** For 'exit' handlers, where nothing can be awaited: makes the watchdog end redis-server. */
  killNow(): void;
}

/**
 * Starts a throwaway redis-server (no persistence) on a free loopback port and
 * resolves once it answers PING.
 */
export async function startPrivateRedis(log: (msg: string) => void): Promise<PrivateRedis> {
  const binary = findOnPath('redis-server');
  if (!binary) throw new Error(REDIS_SERVER_NOT_FOUND_MESSAGE);

  const startedAt = Date.now();
  const port = await findFreePort();
  const child = spawnRedis(binary, port);
  const output = captureOutputTail(child);
  try {
    await waitUntilReady(child, port, output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  const url = `redis://${HOST}:${port}`;
  log(`Private redis-server at ${url}, started in ${Date.now() - startedAt} ms`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopChild(child);
      log('Private redis-server stopped');
    })());
  return { url, stop, killNow: () => child.stdin?.destroy() };
}

function findOnPath(command: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return dirs.map((dir) => path.join(dir, command)).find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Binding port 0 lets the OS choose; the tiny window before redis binds it is acceptable locally. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function spawnRedis(binary: string, port: number): ChildProcess {
  const redisArgs = ['--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', os.tmpdir()];
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'redis-watchdog', binary, ...redisArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A helper must not keep this process alive: when it ends, the watchdog ends redis-server.
  child.unref();
  (child.stdin as net.Socket | null)?.unref();
  child.stdin?.on('error', () => undefined); // EPIPE if the watchdog is already gone
  return child;
}

/** Keeps the last lines of redis output for error messages instead of printing them. */
function captureOutputTail(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', append);
    (stream as net.Socket | null)?.unref();
  }
  return () => tail.trim();
}

async function waitUntilReady(child: ChildProcess, port: number, output: () => string): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError) throw new Error(`redis-server could not be started: ${spawnError.message}`);
    if (hasExited(child)) {
      throw new Error(`redis-server exited during startup (code ${child.exitCode}): ${output()}`);
    }
    if (await answersPing(port)) return;
    if (Date.now() > deadline) {
      throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms: ${output()}`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** Raw RESP PING, so this module needs no Redis client library. */
function answersPing(port: number, host = HOST, timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Closing stdin makes the watchdog SIGTERM redis-server; the watchdog exits right after it. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  child.ref(); // so that an awaited stop() completes even if nothing else keeps the event loop alive
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
