import { randomBytes } from 'node:crypto';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './support/polling';
import { freePort, REPO_ROOT, serviceProcessEnv } from './support/processes';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, TestDatabase } from './support/test-environment';

/**
 * Issue 17, "every core": `API_PROCESSES=2 node dist/main.js` (built by `npm run build`) is one command whose
 * primary forks the worker part once and two API processes sharing PORT (node:cluster). Which process serves
 * a request is read from Linux's /proc: the child holding the server end of the request's TCP connection.
 */
const API_KEY = `cluster-key-${randomBytes(8).toString('hex')}`;
const CALLER = '+6582674904';

jest.setTimeout(120_000);

/** The pids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces, so count from its closing parenthesis. Zombies are gone.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children.sort((a, b) => a - b);
}

/** APP_ROLE in a process's environment (what the primary forked it as). */
function roleOf(pid: number): string | undefined {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.find((line) => line.startsWith('APP_ROLE='))?.slice('APP_ROLE='.length);
  } catch {
    return undefined; // gone, or a zombie not reaped yet
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The process (of `candidates`) holding the server end of the loopback connection from `clientPort` to `serverPort`. */
function serverPidOf(serverPort: number, clientPort: number, candidates: number[]): number | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex(serverPort)}`) && f[2]?.endsWith(`:${hex(clientPort)}`));
  if (!line) return undefined;
  const socket = `socket:[${line[9]}]`;
  return candidates.find((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/** GET on a connection of its own that stays open: the answer's status and the connection's local port. */
function getOnOwnConnection(baseUrl: string, path: string, agent: Agent): Promise<{ status: number; clientPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, clientPort: req.socket!.localPort! }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET on a new connection, closed after the answer (a kept-alive one may lead to a process killed since): its status, 0 on an error. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('timeout', () => (req.destroy(), resolve(-1)));
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe('API_PROCESSES=2: one command, two API processes on one port, the worker part once (real processes)', () => {
  const redis = createRedisNamespace();
  let database: TestDatabase;
  let primary: ChildProcess;
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let output = '';
  let port: number;
  let baseUrl: string;
  const headers = { 'x-credential-api-key': API_KEY, 'content-type': 'application/json' };
  const apiChildren = () => childrenOf(primary.pid!).filter((pid) => roleOf(pid) === 'api');

  /** Which API processes served `connections` requests, each on a connection of its own (kept open until all are counted). */
  async function servingPids(connections: number): Promise<number[]> {
    const candidates = apiChildren();
    const agents = Array.from({ length: connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      const pids: (number | undefined)[] = [];
      for (const agent of agents) {
        const { status, clientPort } = await getOnOwnConnection(baseUrl, '/health', agent);
        expect(status).toBe(200);
        pids.push(serverPidOf(port, clientPort, candidates));
      }
      expect(pids.every((pid) => pid !== undefined)).toBe(true);
      return pids as number[];
    } finally {
      agents.forEach((agent) => agent.destroy());
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    primary = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...serviceProcessEnv({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, queuePrefix: redis.prefix }),
        API_PROCESSES: '2',
        PORT: String(port),
        BOOTSTRAP_API_KEY: API_KEY,
        BOOTSTRAP_MAX_CONCURRENT_CALLS: '5',
        SIMULATOR_SPEED: '100',
        LOG_LEVEL: 'log',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-50_000));
    primary.stdout!.on('data', keep);
    primary.stderr!.on('data', keep);
    exit = new Promise((resolve) => primary.once('exit', (code, signal) => resolve({ code, signal })));
    await until('the primary to report its processes', async () => {
      if (primary.exitCode !== null) throw new Error(`the primary exited (${primary.exitCode}):\n${output}`);
      return output.includes('API processes share port') ? true : (await new Promise((r) => setTimeout(r, 100)), undefined);
    }, 90_000);
  }, 100_000);

  afterAll(async () => {
    const pids = primary?.pid ? childrenOf(primary.pid) : [];
    if (primary && primary.exitCode === null && primary.signalCode === null) {
      primary.kill('SIGKILL');
      await exit;
    }
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await redis.clear();
    await database?.drop();
  });

  it('forks the worker part once and two API processes, all children of the one command', () => {
    const roles = childrenOf(primary.pid!).map(roleOf).sort();
    expect(roles).toEqual(['api', 'api', 'worker']);
    // The primary bootstrapped nothing itself and the first child did, once.
    expect(output.match(/Created the default organization/g)).toHaveLength(1);
  });

  it('serves requests on the one port from both API processes', async () => {
    const pids = await servingPids(6);
    expect(new Set(pids)).toEqual(new Set(apiChildren()));
  });

  it('runs a campaign submitted through it to the end (the worker part dials it)', async () => {
    const destinations = Array.from({ length: 20 }, (_, i) => ({ phone: `+6591${String(i).padStart(6, '0')}`, caller: CALLER, properties: { name: `N${i}` } }));
    const callFlow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}' } }] };
    const submitted = await fetch(`${baseUrl}/call`, { method: 'POST', headers, body: JSON.stringify({ requestId: 'cluster-campaign', destinations, callFlow }) });
    expect(submitted.status).toBe(200);
    const done = await until(
      'the campaign to complete',
      async () => {
        const body: any = await (await fetch(`${baseUrl}/status/cluster-campaign?perPage=100`, { headers })).json();
        return body.status === 'completed' ? body : (await new Promise((r) => setTimeout(r, 100)), undefined);
      },
      30_000,
    );
    expect(done.details).toHaveLength(20);
    expect(done.details.every((d: any) => d.call_status === 'answered')).toBe(true);
  });

  it('replaces a killed API process while the port keeps answering', async () => {
    const [victim, survivor] = apiChildren();
    process.kill(victim, 'SIGKILL');
    // A connection the primary hands over in the instant the process dies, before it has noticed, is lost with it
    // (node:cluster; README "Every core"): the probes start once the primary has logged the death.
    await until('the primary to notice the death', async () => (output.includes(`(pid ${victim}) exited with signal SIGKILL`) ? true : undefined));
    const answers: number[] = [];
    const replacement = await until(
      'a replacement API process that serves',
      async () => {
        // A request on a new connection each time: none may fail while one process is down.
        answers.push(await getOnNewConnection(`${baseUrl}/health`));
        await new Promise((r) => setTimeout(r, 50));
        const fresh = apiChildren().find((pid) => pid !== survivor && pid !== victim);
        return fresh && output.includes(`is back (pid ${fresh})`) ? fresh : undefined;
      },
      60_000,
    );
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    expect(output).toMatch(new RegExp(`API process \\d \\(pid ${victim}\\) exited with signal SIGKILL; starting another in 1000 ms`));
    expect(childrenOf(primary.pid!).map(roleOf).sort()).toEqual(['api', 'api', 'worker']);
    // Both serve again, the replacement included.
    expect(new Set(await servingPids(6))).toEqual(new Set([survivor, replacement]));
  });

  it('SIGTERM: a request in flight is answered, every process stops, and the exit code is 0', async () => {
    const children = childrenOf(primary.pid!);
    expect(children).toHaveLength(3);
    // A large submission (a few hundred ms of work): SIGTERM goes out once its body has been sent.
    const destinations = Array.from({ length: 20_000 }, (_, i) => ({ phone: `+6592${String(i).padStart(6, '0')}`, caller: CALLER, properties: { name: `N${i}` } }));
    const body = JSON.stringify({ requestId: 'in-flight-at-sigterm', destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'Hi {{name}}' } }] } });
    let signalledAt = Infinity;
    const answered = new Promise<{ status: number; at: number }>((resolve, reject) => {
      const req = request(`${baseUrl}/call`, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const at = Date.now();
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, at }));
      });
      req.on('error', reject);
      req.on('finish', () => setTimeout(() => ((signalledAt = Date.now()), primary.kill('SIGTERM')), 50));
      req.end(body);
    });
    const { status, at } = await answered;
    expect(status).toBe(200);
    expect(at).toBeGreaterThan(signalledAt);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(children.filter(isAlive)).toEqual([]);
    expect(output).toContain('every process stopped');
  });
});

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** `API_PROCESSES=2 npm start` on a fresh machine: the primary starts the embedded PostgreSQL and Redis once, for all. */
describe('API_PROCESSES=2 with nothing configured: the embedded infrastructure is started once, by the primary', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'robocall-cluster-local-'));
  let primary: ChildProcess;
  let output = '';
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    primary = spawn(process.execPath, [join(REPO_ROOT, 'dist/main.js')], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', API_PROCESSES: '2', PORT: String(port), SIMULATOR_SPEED: '100', LOG_LEVEL: 'log' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk) => (output += chunk));
    primary.stderr!.on('data', (chunk) => (output += chunk));
    await until('the primary to report its processes', async () => {
      if (primary.exitCode !== null) throw new Error(`the primary exited (${primary.exitCode}):\n${output}`);
      return output.includes('API processes share port') ? true : (await new Promise((r) => setTimeout(r, 100)), undefined);
    }, 90_000);
  }, 100_000);

  afterAll(async () => {
    const pids = primary?.pid ? childrenOf(primary.pid) : [];
    if (primary && primary.exitCode === null && primary.signalCode === null) primary.kill('SIGKILL');
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  it('starts one PostgreSQL and one Redis, prints one default key, and runs a campaign with it; SIGTERM stops it all', async () => {
    expect(output.match(/Embedded PostgreSQL \(PGlite\)/g)).toHaveLength(1);
    expect(output.match(/Private redis-server at/g)).toHaveLength(1);
    expect(output).not.toContain('reusing the server'); // the children were handed its URL, and started nothing
    expect(output.match(/x-credential-api-key: /g)).toHaveLength(1);
    expect(childrenOf(primary.pid!).map(roleOf).filter(Boolean).sort()).toEqual(['api', 'api', 'worker']);
    const apiKey = output.match(/x-credential-api-key: (\S+)/)![1];
    const headers = { 'x-credential-api-key': apiKey, 'content-type': 'application/json' };

    const destinations = Array.from({ length: 5 }, (_, i) => ({ phone: `+6593${String(i).padStart(6, '0')}`, caller: CALLER, properties: {} }));
    const submitted = await fetch(`${baseUrl}/call`, { method: 'POST', headers, body: JSON.stringify({ requestId: 'local-cluster', destinations, callFlow: { steps: [{ name: 'play', message: { msg: 'Hello' } }] } }) });
    expect(submitted.status).toBe(200);
    await until(
      'the campaign to complete',
      async () => {
        const body: any = await (await fetch(`${baseUrl}/status/local-cluster`, { headers })).json();
        return body.status === 'completed' ? body : (await new Promise((r) => setTimeout(r, 100)), undefined);
      },
      30_000,
    );

    const redisPort = Number(output.match(/Private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/)![1]);
    const children = childrenOf(primary.pid!);
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(children.filter(isAlive)).toEqual([]);
    expect(await portAnswers(redisPort)).toBe(false);
  }, 60_000);
});
