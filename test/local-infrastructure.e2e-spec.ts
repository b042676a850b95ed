import { spawnSync } from 'child_process';
import { once } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client, Pool } from 'pg';
import { EMBEDDED_POSTGRES_MAX_CONNECTIONS, startEmbeddedPostgres } from '../src/local-infra/embedded-postgres';
import { LocalInfrastructure, startLocalInfrastructure } from '../src/local-infra/local-infrastructure';
import { REDIS_SERVER_NOT_FOUND_MESSAGE, startPrivateRedis } from '../src/local-infra/private-redis';

jest.setTimeout(30_000);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('local infrastructure: embedded PostgreSQL (PGlite) and private redis-server', () => {
  let dataDir: string;
  let infra: LocalInfrastructure;
  const logs: string[] = [];
  const log = (msg: string) => logs.push(msg);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-infra-e2e-'));
    infra = await startLocalInfrastructure({ dataDir, log });
  });

  afterAll(async () => {
    await infra?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: infra.databaseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  it('starts both services on loopback when no URLs are configured', () => {
    expect(infra.embeddedPostgres).toBe(true);
    expect(infra.privateRedis).toBe(true);
    expect(infra.databaseUrl).toMatch(/^postgresql:\/\/[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    expect(infra.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8'));
    expect(state).toEqual({ pid: process.pid, url: infra.databaseUrl });
  });

  it('supports gen_random_uuid(), uuid_generate_v4() and SELECT ... FOR UPDATE SKIP LOCKED', async () => {
    await withClient(async (client) => {
      await client.query(`CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        legacy_id uuid NOT NULL DEFAULT uuid_generate_v4(),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'pending')`);
      const inserted = await client.query<{ id: string; legacy_id: string }>(
        `INSERT INTO jobs (name) VALUES ($1), ($2), ($3) RETURNING id, legacy_id`,
        ['job-a', 'job-b', 'job-c'],
      );
      expect(inserted.rows).toHaveLength(3);
      for (const row of inserted.rows) {
        expect(row.id).toMatch(UUID_PATTERN);
        expect(row.legacy_id).toMatch(UUID_PATTERN);
      }

      await client.query('BEGIN');
      const claimed = await client.query<{ id: string; name: string }>(
        `SELECT id, name FROM jobs WHERE status = 'pending' ORDER BY name LIMIT 2 FOR UPDATE SKIP LOCKED`,
      );
      expect(claimed.rows.map((r) => r.name)).toEqual(['job-a', 'job-b']);
      await client.query(`UPDATE jobs SET status = 'running' WHERE id = ANY($1::uuid[])`, [
        claimed.rows.map((r) => r.id),
      ]);
      await client.query('COMMIT');

      const pending = await client.query(`SELECT name FROM jobs WHERE status = 'pending'`);
      expect(pending.rows).toEqual([{ name: 'job-c' }]);
    });
  });

  it('serves two connections at once; an open transaction makes the other connection wait', async () => {
    const first = new Client({ connectionString: infra.databaseUrl });
    const second = new Client({ connectionString: infra.databaseUrl });
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.query('CREATE TABLE IF NOT EXISTS concurrency_probe (n int NOT NULL)');
      await first.query('BEGIN');
      await first.query('INSERT INTO concurrency_probe (n) VALUES (1)');

      let secondSettled = false;
      const secondCount = second
        .query<{ count: string }>('SELECT count(*) FROM concurrency_probe')
        .finally(() => (secondSettled = true));
      // The transaction's own connection keeps working while the other one is queued.
      expect((await first.query('SELECT count(*)::int AS n FROM concurrency_probe')).rows).toEqual([{ n: 1 }]);
      expect(secondSettled).toBe(false);

      await first.query('COMMIT');
      expect((await secondCount).rows).toEqual([{ count: '1' }]);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  it(`answers many concurrent parameterized queries correctly through a pool of ${EMBEDDED_POSTGRES_MAX_CONNECTIONS}`, async () => {
    const pool = new Pool({ connectionString: infra.databaseUrl, max: EMBEDDED_POSTGRES_MAX_CONNECTIONS });
    try {
      // Up to ~190 kB per request, so requests arrive in several TCP reads.
      const requests = Array.from({ length: 100 }, (_, i) => ({ i, text: String(i % 10).repeat((i % 20) * 10_000) }));
      const answers = await Promise.all(
        requests.map(async ({ i, text }) => {
          const sql = i % 2 ? 'SELECT $1::int AS i, length($2::text) AS len' : 'SELECT length($2::text) AS len, $1::int AS i';
          const { rows } = await pool.query<{ i: number; len: number }>(sql, [i, text]);
          return rows[0];
        }),
      );
      expect(answers).toEqual(requests.map(({ i, text }) => ({ i, len: text.length })));
    } finally {
      await pool.end();
    }
  });

  it("keeps a connection's unnamed statement even if another connection runs a query between its Parse and Bind", async () => {
    const [a, b] = await Promise.all([RawPgConnection.open(infra.databaseUrl), RawPgConnection.open(infra.databaseUrl)]);
    try {
      a.send(pgParse(`SELECT 'from a'`));
      // b's round trip guarantees the server has already read a's Parse.
      b.send(pgQuery('SELECT 1'));
      expect(await b.readUntilReady()).toEqual(['1']);

      b.send(pgParse(`SELECT 'from b'`), pgBind(), pgExecute(), pgSync());
      expect(await b.readUntilReady()).toEqual(['from b']);

      a.send(pgBind(), pgExecute(), pgSync());
      expect(await a.readUntilReady()).toEqual(['from a']);
    } finally {
      a.close();
      b.close();
    }
  });

  it('reuses the running server when started again on the same data dir', async () => {
    const second = await startEmbeddedPostgres(dataDir, log);
    expect(second.url).toBe(infra.databaseUrl);
    expect(logs.some((msg) => msg.includes(`reusing the server of process ${process.pid}`))).toBe(true);

    await second.stop(); // must leave the owner's server running
    expect((await withClient((client) => client.query('SELECT 1 AS ok'))).rows).toEqual([{ ok: 1 }]);
  });

  it('answers PING on the private redis-server', async () => {
    expect(await redisCommand(infra.redisUrl, ['PING'])).toBe('+PONG\r\n');
  });

  it('stop() ends redis-server and releases the data dir; the data survives a restart despite a stale state file', async () => {
    await withClient(async (client) => {
      await client.query('CREATE TABLE restart_probe (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), note text)');
      await client.query(`INSERT INTO restart_probe (note) VALUES ('kept')`);
    });
    const redisPid = await redisServerPid(infra.redisUrl);
    const statePath = path.join(dataDir, 'embedded-postgres.json');

    await infra.stop();
    await infra.stop(); // idempotent

    expect(isProcessAlive(redisPid)).toBe(false);
    expect(fs.existsSync(statePath)).toBe(false);

    // As if a previous owner had been killed without cleaning up.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(statePath, JSON.stringify({ pid: deadPid, url: 'postgresql://postgres@127.0.0.1:1/postgres' }));

    infra = await startLocalInfrastructure({ dataDir, log });
    expect(infra.databaseUrl).not.toContain('127.0.0.1:1/');
    const rows = await withClient(async (client) => (await client.query('SELECT note FROM restart_probe')).rows);
    expect(rows).toEqual([{ note: 'kept' }]);
  });

  it('uses configured URLs as they are and starts nothing', async () => {
    const configured = await startLocalInfrastructure({
      databaseUrl: 'postgresql://app:secret@db.example:5432/app',
      redisUrl: 'redis://cache.example:6379',
      dataDir: path.join(dataDir, 'unused'),
      log,
    });
    expect(configured).toMatchObject({
      databaseUrl: 'postgresql://app:secret@db.example:5432/app',
      redisUrl: 'redis://cache.example:6379',
      embeddedPostgres: false,
      privateRedis: false,
    });
    expect(fs.existsSync(path.join(dataDir, 'unused'))).toBe(false);
    await configured.stop();
  });

  it('fails with a one-line hint when redis-server is not on PATH', async () => {
    const originalPath = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-'));
    try {
      const error = await startPrivateRedis(log).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toBe(
        'redis-server not found on PATH: install it (apt-get install redis-server) or set REDIS_URL (docker compose up -d starts one)',
      );
      expect(error?.message).toBe(REDIS_SERVER_NOT_FOUND_MESSAGE);
    } finally {
      fs.rmSync(process.env.PATH, { recursive: true, force: true });
      process.env.PATH = originalPath;
    }
  });
});

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- raw Redis (RESP) -------------------------------------------------------

/** Sends one command and resolves with the complete raw reply (simple string or bulk string). */
async function redisCommand(url: string, args: string[], timeoutMs = 2_000): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no complete reply to ${args[0]} within ${timeoutMs} ms`)));
  try {
    await once(socket, 'connect');
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    let reply = '';
    for await (const chunk of socket) {
      reply += chunk.toString();
      if (isCompleteRespReply(reply)) return reply;
    }
    throw new Error(`connection closed before a complete reply to ${args[0]}`);
  } finally {
    socket.destroy();
  }
}

function isCompleteRespReply(reply: string): boolean {
  const headerEnd = reply.indexOf('\r\n');
  if (headerEnd < 0) return false;
  if (reply[0] !== '$') return true;
  const bulkLength = Number(reply.slice(1, headerEnd));
  return Buffer.byteLength(reply) >= headerEnd + 2 + bulkLength + 2;
}

async function redisServerPid(url: string): Promise<number> {
  const info = await redisCommand(url, ['INFO', 'server']);
  const match = /process_id:(\d+)/.exec(info);
  if (!match) throw new Error(`no process_id in INFO reply: ${info.slice(0, 200)}`);
  return Number(match[1]);
}

// --- raw PostgreSQL wire protocol ---------------------------------------------
// pg always sends Parse/Bind/Execute/Sync together; this minimal frontend can
// split them to reproduce what happens when a request spans several TCP reads.

class RawPgConnection {
  private received = Buffer.alloc(0);
  private onReceive?: () => void;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.onReceive?.();
    });
  }

  static async open(url: string): Promise<RawPgConnection> {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    await once(socket, 'connect');
    const connection = new RawPgConnection(socket);
    connection.send(pgStartup('postgres', 'postgres'));
    await connection.readUntilReady();
    return connection;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  /** Consumes messages through the next ReadyForQuery; returns DataRow first columns and errors. */
  async readUntilReady(timeoutMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const values = this.takeThroughReadyForQuery();
      if (values) return values;
      await this.nextChunk(deadline - Date.now());
    }
  }

  close(): void {
    this.socket.end(pgMessage('X'));
    this.socket.destroy();
  }

  private nextChunk(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for ReadyForQuery')), Math.max(timeoutMs, 0));
      this.onReceive = () => {
        clearTimeout(timer);
        this.onReceive = undefined;
        resolve();
      };
    });
  }

  private takeThroughReadyForQuery(): string[] | undefined {
    const values: string[] = [];
    let offset = 0;
    while (offset + 5 <= this.received.length) {
      const type = String.fromCharCode(this.received[offset]);
      const end = offset + 1 + this.received.readInt32BE(offset + 1);
      if (end > this.received.length) return undefined;
      const body = this.received.subarray(offset + 5, end);
      offset = end;
      if (type === 'D') values.push(firstColumn(body));
      if (type === 'E') values.push(`ERROR ${errorMessage(body)}`);
      if (type === 'Z') {
        this.received = this.received.subarray(offset);
        return values;
      }
    }
    return undefined;
  }
}

function firstColumn(dataRow: Buffer): string {
  const length = dataRow.readInt32BE(2);
  return length < 0 ? 'NULL' : dataRow.subarray(6, 6 + length).toString();
}

function errorMessage(errorResponse: Buffer): string {
  const fields = errorResponse.toString().split('\0');
  return fields.find((field) => field.startsWith('M'))?.slice(1) ?? 'unknown error';
}

function pgMessage(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function pgStartup(user: string, database: string): Buffer {
  const body = Buffer.concat([int32(196608), cstring('user'), cstring(user), cstring('database'), cstring(database), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

const pgParse = (sql: string) => pgMessage('P', cstring(''), cstring(sql), int16(0));
const pgBind = () => pgMessage('B', cstring(''), cstring(''), int16(0), int16(0), int16(0));
const pgExecute = () => pgMessage('E', cstring(''), int32(0));
const pgSync = () => pgMessage('S');
const pgQuery = (sql: string) => pgMessage('Q', cstring(sql));

function cstring(value: string): Buffer {
  return Buffer.from(`${value}\0`);
}

function int16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
