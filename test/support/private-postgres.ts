import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './processes';

/**
 * A PostgreSQL 15 server of one test's own, for tests that stop or restart PostgreSQL (the shared server
 * at 127.0.0.1:5432 serves other test runs and is never touched). initdb into a fresh temporary
 * directory, trust authentication, listening on 127.0.0.1 only, on a free port; fsync off (the data is
 * thrown away). PostgreSQL refuses to run as root: when the tests run as root, initdb and pg_ctl run as
 * the `postgres` system user (runuser), owning the directory.
 */
const BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const SYSTEM_USER = process.env.TEST_POSTGRES_SYSTEM_USER ?? 'postgres';

export interface PrivatePostgres {
  port: number;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** The URL of another database of this server. */
  urlOf(database: string): string;
  /** pg_ctl stop -m fast (every session is terminated), waits until the server is down. */
  stop(): Promise<void>;
  /** pg_ctl start, waits until the server accepts connections. */
  start(): Promise<void>;
  /** pg_ctl restart -m fast. */
  restart(): Promise<void>;
  /** Stops the server (immediate mode) if it runs and deletes its directory; idempotent, never throws. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);

async function asPostgresUser(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const asRoot = userInfo().uid === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', SYSTEM_USER, '--', command, ...args]] : [command, args];
  try {
    const { stdout } = await run(file, argv, { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' } });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), 'robocall-private-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', SYSTEM_USER]);
    const { stdout: gid } = await run('id', ['-g', SYSTEM_USER]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pgCtl = (...args: string[]) => asPostgresUser(join(BIN, 'pg_ctl'), ['-D', dataDir, ...args]);
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root} -c fsync=off -c synchronous_commit=on -c full_page_writes=off -c max_connections=200`;
  let destroyed = false;

  await asPostgresUser(join(BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions', '--locale=C']);
  const start = async () => {
    await pgCtl('start', '-w', '-t', '30', '-l', logFile, '-o', options);
    await waitUntilAccepting(url);
  };
  await start();

  return {
    port,
    dataDir,
    url,
    urlOf: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop: async () => {
      await pgCtl('stop', '-w', '-t', '30', '-m', 'fast');
    },
    restart: async () => {
      await pgCtl('restart', '-w', '-t', '30', '-m', 'fast', '-l', logFile, '-o', options);
      await waitUntilAccepting(url);
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      if (existsSync(join(dataDir, 'postmaster.pid'))) await pgCtl('stop', '-w', '-t', '30', '-m', 'immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`private PostgreSQL at ${url} did not accept connections: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
