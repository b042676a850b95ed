import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vm from 'vm';
import type { Extension, PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * Pool size to use against the embedded server. PGLiteSocketServer accepts
 * several concurrent connections but runs one protocol request at a time on a
 * single PGlite session (an open transaction pins the session to its
 * connection), so more connections add no throughput.
 */
export const EMBEDDED_POSTGRES_MAX_CONNECTIONS = 10;

/** Room for this process's pool, a second process (CLI, worker) and ad-hoc clients. */
const SERVER_CONNECTION_LIMIT = EMBEDDED_POSTGRES_MAX_CONNECTIONS * 5;
const STATE_FILE_NAME = 'embedded-postgres.json';
const PGLITE_DIR_NAME = 'pglite';
const HOST = '127.0.0.1';
/** A fresh data dir runs initdb (~5 s); a slow machine may take a lot longer. */
const WAIT_FOR_STARTING_OWNER_MS = 60_000;
/** Owner alive but not listening: it is shutting down, or its pid was reused. */
const WAIT_FOR_STOPPING_OWNER_MS = 3_000;
const POLL_INTERVAL_MS = 100;
const CONNECT_PROBE_TIMEOUT_MS = 1_000;

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Content of `${dataDir}/embedded-postgres.json`; url is null while the owner is starting. */
interface ServerState {
  pid: number;
  url: string | null;
}

type DataDirClaim = { kind: 'owned' } | { kind: 'reuse'; state: ServerState & { url: string } };

/**
 * Serves PGlite (data in `${dataDir}/pglite`) on a free loopback port, or
 * reuses the server another live process already runs on the same dataDir,
 * because a PGlite data dir must only be opened by one process at a time.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void,
): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dataDir, { recursive: true });
  const statePath = path.join(dataDir, STATE_FILE_NAME);
  const claim = await claimDataDir(statePath);
  if (claim.kind === 'reuse') {
    log(`Embedded PostgreSQL: reusing the server of process ${claim.state.pid} at ${claim.state.url}`);
    return { url: claim.state.url, stop: async () => undefined };
  }
  try {
    return await serveDataDir(dataDir, statePath, log);
  } catch (error) {
    removeStateFileIfOwned(statePath);
    throw error;
  }
}

async function serveDataDir(
  dataDir: string,
  statePath: string,
  log: (msg: string) => void,
): Promise<EmbeddedPostgres> {
  const startedAt = Date.now();
  const pgliteDir = path.join(dataDir, PGLITE_DIR_NAME);
  const db = await openPglite(pgliteDir);
  let server: PGLiteSocketServer;
  try {
    server = await listenOnLoopback(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres`;
  writeState(statePath, { pid: process.pid, url });
  log(`Embedded PostgreSQL (PGlite) at ${url}, data in ${pgliteDir}, started in ${Date.now() - startedAt} ms`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await server.stop();
      await db.close();
      removeStateFileIfOwned(statePath);
      log('Embedded PostgreSQL stopped');
    })());
  return { url, stop };
}

interface PgliteModules {
  PGlite: typeof PGlite;
  PGLiteSocketServer: typeof PGLiteSocketServer;
  uuid_ossp: Extension;
}

let pgliteModules: PgliteModules | undefined;

/** Loaded on first use, so that a configured DATABASE_URL never loads PGlite. */
function loadPgliteModules(): PgliteModules {
  if (pgliteModules) return pgliteModules;
  const load = mainContextRequire();
  return (pgliteModules = {
    PGlite: (load('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite,
    PGLiteSocketServer: (load('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket'))
      .PGLiteSocketServer,
    // Untyped on purpose: `moduleResolution: node` ignores package.json "exports", so tsc cannot resolve this subpath.
    uuid_ossp: (load('@electric-sql/pglite/contrib/uuid_ossp') as { uuid_ossp: Extension }).uuid_ossp,
  });
}

/**
 * Both packages ship CommonJS builds, but PGlite calls `import('fs')` and the
 * like internally. Jest runs modules inside a vm context where such calls fail
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG), and `new Function('return
 * import(s)')` fails there too, so PGlite is loaded with Node's own loader of
 * the main context. Under plain Node this is the ordinary `require`.
 */
function mainContextRequire(): NodeJS.Require {
  const mainProcess = vm.runInThisContext('process') as NodeJS.Process;
  const Module = mainProcess.mainModule?.constructor as typeof import('module') | undefined;
  return typeof Module?.createRequire === 'function' ? Module.createRequire(__filename) : require;
}

async function openPglite(pgliteDir: string): Promise<PGlite> {
  fs.mkdirSync(pgliteDir, { recursive: true });
  const { PGlite, uuid_ossp } = loadPgliteModules();
  const db = await PGlite.create({ dataDir: pgliteDir, extensions: { uuid_ossp } });
  try {
    // gen_random_uuid() is built into PostgreSQL >= 13; uuid_generate_v4() needs the extension.
    await db.exec('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"');
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

async function listenOnLoopback(db: PGlite): Promise<PGLiteSocketServer> {
  const { PGLiteSocketServer } = loadPgliteModules();
  const server = new PGLiteSocketServer({ db, host: HOST, port: 0, maxConnections: SERVER_CONNECTION_LIMIT });
  keepExtendedQueryBatchesTogether(server);
  await server.start();
  return server;
}

/** Internals of pglite-socket 0.2.17 (`QueryQueueManager`) that the patch below wraps. */
interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearQueueForHandler(handlerId: number): void;
}

/** Extended-protocol messages whose effect lasts until the next Sync (or Flush). */
const BATCHED_MESSAGE_TYPES = new Set(['P', 'B', 'D', 'E', 'C'].map((c) => c.charCodeAt(0)));

/**
 * pglite-socket 0.2.17 queues each protocol *message* separately and only keeps
 * a connection's messages together inside a transaction block. Between one
 * client's Parse and Bind, another client's Parse can run and replace the
 * shared unnamed statement (electric-sql/pglite#1046): that client then gets
 * the other query's rows. This happens whenever a request reaches the server
 * in several TCP reads (large parameters). Holding Parse/Bind/Describe/
 * Execute/Close until the connection's Sync or Flush and running them as one
 * queue entry makes each request atomic. Not covered: a portal read page by
 * page with Flush (pg-cursor, pg-query-stream) while other connections query.
 */
function keepExtendedQueryBatchesTogether(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<QueryQueue> }).queryQueue;
  if (typeof queue?.enqueue !== 'function' || typeof queue.clearQueueForHandler !== 'function') {
    throw new Error('Unsupported @electric-sql/pglite-socket version: expected 0.2.17 (QueryQueueManager not found)');
  }
  const enqueue = queue.enqueue.bind(queue);
  const clearQueueForHandler = queue.clearQueueForHandler.bind(queue);
  const heldMessages = new Map<number, Uint8Array[]>();

  queue.enqueue = (handlerId, message, onData) => {
    const held = heldMessages.get(handlerId) ?? [];
    if (BATCHED_MESSAGE_TYPES.has(message[0])) {
      heldMessages.set(handlerId, [...held, message]);
      return Promise.resolve(0);
    }
    heldMessages.delete(handlerId);
    const batch = held.length ? new Uint8Array(Buffer.concat([...held, message])) : message;
    return enqueue(handlerId, batch, onData);
  };
  queue.clearQueueForHandler = (handlerId) => {
    heldMessages.delete(handlerId);
    clearQueueForHandler(handlerId);
  };
}

/**
 * Decides between serving the data dir ourselves and reusing another process's
 * server. The state file doubles as an exclusive claim: it is created with
 * O_EXCL before PGlite opens the directory and removed after PGlite closes.
 */
async function claimDataDir(statePath: string): Promise<DataDirClaim> {
  const startedAt = Date.now();
  let ownerSeenRefusingSince: number | undefined;
  for (;;) {
    if (tryCreateStateFile(statePath)) return { kind: 'owned' };
    const state = readState(statePath);
    if (state && !isProcessAlive(state.pid)) {
      removeFile(statePath); // left behind by a process that died without stopping
      continue;
    }
    if (state?.url) {
      if (await acceptsConnections(state.url)) return { kind: 'reuse', state: { ...state, url: state.url } };
      ownerSeenRefusingSince ??= Date.now();
      if (Date.now() - ownerSeenRefusingSince > WAIT_FOR_STOPPING_OWNER_MS) {
        removeFile(statePath); // its pid now belongs to an unrelated process
        continue;
      }
    } else if (Date.now() - startedAt > WAIT_FOR_STARTING_OWNER_MS) {
      throw new Error(
        `Embedded PostgreSQL data dir is claimed by process ${state?.pid ?? '?'} which never started serving; ` +
          `if that process is not this service, delete ${statePath}`,
      );
    }
    await delay(POLL_INTERVAL_MS);
  }
}

function tryCreateStateFile(statePath: string): boolean {
  try {
    fs.writeFileSync(statePath, JSON.stringify({ pid: process.pid, url: null } satisfies ServerState), {
      flag: 'wx',
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Returns undefined when the file is missing or still being written. */
function readState(statePath: string): ServerState | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Partial<ServerState>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, url: typeof parsed.url === 'string' ? parsed.url : null };
  } catch {
    return undefined;
  }
}

/** Replaces the file atomically so readers never see partial JSON. */
function writeState(statePath: string, state: ServerState): void {
  const tmpPath = `${statePath}.${process.pid}.tmp`;
  fs.writeFileSync(tmpPath, JSON.stringify(state));
  fs.renameSync(tmpPath, statePath);
}

function removeStateFileIfOwned(statePath: string): void {
  if (readState(statePath)?.pid === process.pid) removeFile(statePath);
}

function removeFile(filePath: string): void {
  fs.rmSync(filePath, { force: true });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A killed process whose parent has not reaped it yet still answers kill(pid, 0). Linux only. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}

/**
 * A TCP connect is enough: a full PostgreSQL handshake would queue behind any
 * open transaction on the single PGlite session and could time out on a
 * healthy server.
 */
function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const finish = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(CONNECT_PROBE_TIMEOUT_MS, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
