import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { roundSplit, startCpuMeter } from './support/cpu';
import { BACKGROUND_CALLS, LOAD_SIMULATOR_SCRIPT, failures } from './load.bench';
import { runMixedLoad } from './support/mixed-load';
import { metric, ScenarioResult } from './support/report';
import { freePort, REPO_ROOT, RunningService, withService } from './support/service';
import { round } from './support/stats';
import { fixedLengthCampaign } from './support/workload';

const POST_RATE = 200;
const GET_RATE = 1_000;
const SECONDS = 30;
const WARMUP_SECONDS = 3;

/**
 * Scenario 6b, the floor under scenario 6: the same mixed load (POST /call of 100 destinations at 200/s,
 * GET /status pages of 100 of a 20,000-call campaign at 1,000/s, same connections and pacing) against
 * `bench/support/floor-server.ts`, which does only the database work and the JSON of those requests.
 * The service runs beside it only to own the schema and the campaign; its calls are held (external usage =
 * the limit), so it stays idle. What the floor cannot reach, no implementation of these requests
 * reaches on this machine.
 */
export async function runLoadFloor(): Promise<ScenarioResult> {
  return withService({ maxConcurrentCalls: 50, simulatorScript: LOAD_SIMULATOR_SCRIPT, simulatorSpeed: 1 }, async (service) => {
    const floor = await startFloor(service);
    try {
      const { baseUrl, background } = floor;
      const common = { baseUrl, apiKey: 'none', postRate: POST_RATE, getRate: GET_RATE, statusRequestId: background, statusPages: BACKGROUND_CALLS / 100, postConnections: 50, getConnections: 100 };
      await runMixedLoad({ ...common, seconds: WARMUP_SECONDS, requestIdPrefix: `floor-warmup-${randomUUID().slice(0, 8)}` });
      const cpu = await startCpuMeter(floor.pid, service.database.url);
      const { post, get } = await runMixedLoad({ ...common, seconds: SECONDS, requestIdPrefix: `floor-${randomUUID().slice(0, 8)}` });
      const split = await cpu.stop();
      const cores = (seconds: number) => round(seconds / split.wallSeconds, 2);
      return {
        scenario: 'load-floor',
        metrics: [
          metric('POST /call (100 destinations) achieved', post.achievedRate, 'req/s', { op: '>=', value: POST_RATE }),
          metric('GET /status (perPage 100) achieved', get.achievedRate, 'req/s', { op: '>=', value: GET_RATE }),
          metric('errors + non-2xx', failures(post) + failures(get), '', { op: '==', value: 0 }),
          metric('POST /call latency p99', post.latencyMs.p99, 'ms'),
          metric('GET /status latency p99', get.latencyMs.p99, 'ms'),
          metric('floor server CPU', cores(split.service), 'cores'),
          metric('PostgreSQL CPU', cores(split.postgres), 'cores'),
          metric('load generator (benchmark process) CPU', cores(split.client), 'cores'),
        ],
        details: { post, get, cpuSeconds: roundSplit(split) },
      };
    } finally {
      await floor.stop();
    }
  });
}

/** The floor's work on node:http (the floor), or on a bare NestJS application (what the framework adds). */
export type FloorKind = 'node' | 'nest';
const FLOOR_SCRIPTS: Record<FloorKind, string> = { node: 'floor-server.js', nest: 'nest-floor-server.js' };

export interface FloorServer {
  baseUrl: string;
  pid: number;
  /** The service's 20,000-call campaign whose pages GET /status reads (held: nothing of it is dialed). */
  background: string;
  stop(): Promise<void>;
}

/**
 * The floor server beside `service`, on its database: the service's calls are held (external usage = the limit),
 * so it stays idle, and the background campaign is stored through it. `also`: more floor servers of other kinds
 * on the same background campaign (FloorServer.others, in that order).
 */
export async function startFloor(service: RunningService, also: FloorKind[] = []): Promise<FloorServer & { others: FloorServer[] }> {
  await service.api.put('/organization/usage', JSON.stringify({ externalOngoingCalls: 50 }));
  const { destinations, callFlow } = fixedLengthCampaign(BACKGROUND_CALLS, 20);
  const background = `floor-background-${randomUUID()}`;
  await service.api.post('/call', JSON.stringify({ requestId: background, destinations, callFlow }));
  const client = await service.database.connect();
  const { rows } = await client.query<{ id: string }>(`SELECT organization_id AS id FROM call_requests WHERE request_id = $1`, [background]);
  await client.end();
  const servers: FloorServer[] = [];
  try {
    for (const kind of ['node' as const, ...also]) servers.push(await startFloorServer(kind, service.database.url, rows[0].id, background));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const [floor, ...others] = servers;
  return { ...floor, others, stop: async () => void (await Promise.all(servers.map((server) => server.stop()))) };
}

async function startFloorServer(kind: FloorKind, databaseUrl: string, organizationId: string, background: string): Promise<FloorServer> {
  const port = await freePort();
  const floor: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'dist-bench', 'bench', 'support', FLOOR_SCRIPTS[kind])], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, PORT: String(port), ORGANIZATION_ID: organizationId, ...(process.env.FLOOR_POOL_SIZE && { FLOOR_POOL_SIZE: process.env.FLOOR_POOL_SIZE }) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = async () => {
    if (floor.exitCode !== null || floor.signalCode !== null) return;
    floor.kill('SIGTERM');
    await new Promise((r) => floor.once('exit', r));
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let tries = 0; !(await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false)); tries++) {
    if (tries > 50) {
      await stop();
      throw new Error(`the floor server (${kind}) did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { baseUrl, pid: floor.pid!, background, stop };
}
