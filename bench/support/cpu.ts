import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { REDIS_URL } from './infrastructure';

/**
 * Where CPU time went during a phase (Linux /proc): the service's processes (the one started, and its
 * children: with API_PROCESSES > 1, the API processes and the worker part it forks), the PostgreSQL backends
 * serving the benchmark's database, Redis, this client, and everything else on the machine
 * (which should be ~0: anything else running makes the figures unreliable).
 */

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds a process has used so far (NaN if it is gone or unreadable). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The children of a process (Linux /proc/<pid>/task/<tid>/children, over all its threads). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** A process and all its descendants, the root first; an empty list if the root is gone. */
export function processTree(rootPid: number): number[] {
  const tree: number[] = [];
  const visit = (pid: number) => (tree.push(pid), childrenOf(pid).forEach(visit));
  if (!Number.isNaN(processCpuSeconds(rootPid))) visit(rootPid);
  return tree;
}

/** APP_ROLE in a process's environment (a cluster child: api or worker); undefined if unset or unreadable. */
export function processRole(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((l) => l.startsWith('APP_ROLE='));
    return line?.slice('APP_ROLE='.length);
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine so far, summed over all cores (everything but idle and iowait). */
export function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
    return (total - ticks[3] - ticks[4]) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** How many cores the machine kept busy over `ms` (measured before a scenario: should be ~0). */
export async function machineBusyCores(ms = 1000): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((r) => setTimeout(r, ms));
  return (machineBusySeconds() - before) / (ms / 1000);
}

export interface CpuSplit {
  wallSeconds: number;
  /** Every process of the service: the one started and its descendants. */
  service: number;
  /** PostgreSQL backends connected to the benchmark's database (sampled every 250 ms, so very short-lived ones are missed). */
  postgres: number;
  redis: number;
  client: number;
  /** Busy CPU of the machine not accounted for above: other processes (tests, builds...) competing for the 2 cores. */
  other: number;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** One process of the service: its CPU seconds during the phase, and APP_ROLE if its parent set one. */
export interface ServiceProcessCpu {
  pid: number;
  role?: string;
  seconds: number;
}

/**
 * Starts measuring a phase; `stop()` returns the split, and the service's share per process. Needs a
 * connection to the benchmark's database to find its PostgreSQL backends.
 */
export async function startCpuMeter(servicePid: number, databaseUrl: string): Promise<{ stop(): Promise<CpuSplit & { serviceProcesses: ServiceProcessCpu[] }> }> {
  const db = new Client({ connectionString: databaseUrl });
  db.on('error', () => undefined); // the database may be dropped under it when a run is interrupted
  await db.connect();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  // Backends alive at the start count from their CPU then; backends born during the phase count from 0.
  const backendStart = new Map<number, number>();
  const backendLast = new Map<number, number>();
  let started = false;
  const sampleBackends = async () => {
    const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    for (const { pid } of rows) {
      const seconds = processCpuSeconds(pid);
      if (Number.isNaN(seconds)) continue;
      if (!backendStart.has(pid)) backendStart.set(pid, started ? 0 : seconds);
      backendLast.set(pid, seconds);
    }
  };

  // The service's processes, sampled alike (a child restarted during the phase counts from its birth).
  const serviceStart = new Map<number, number>();
  const serviceLast = new Map<number, number>();
  const sampleService = () => {
    for (const pid of processTree(servicePid)) {
      const seconds = processCpuSeconds(pid);
      if (Number.isNaN(seconds)) continue;
      if (!serviceStart.has(pid)) serviceStart.set(pid, started ? 0 : seconds);
      serviceLast.set(pid, seconds);
    }
  };

  await sampleBackends();
  sampleService();
  started = true;
  const wall0 = performance.now();
  const machine0 = machineBusySeconds();
  const redis0 = await redisCpuSeconds(redis);
  const client0 = process.cpuUsage();
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampleService();
    sampling = sampling.then(sampleBackends).catch(() => undefined);
  }, 250);

  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sampleBackends();
      sampleService();
      const client = process.cpuUsage(client0);
      const serviceProcesses = [...serviceLast].map(([pid, last]) => ({ pid, role: processRole(pid), seconds: last - serviceStart.get(pid)! }));
      const split: CpuSplit & { serviceProcesses: ServiceProcessCpu[] } = {
        wallSeconds: (performance.now() - wall0) / 1000,
        service: serviceProcesses.reduce((sum, p) => sum + p.seconds, 0),
        postgres: [...backendLast].reduce((sum, [pid, last]) => sum + last - backendStart.get(pid)!, 0),
        redis: (await redisCpuSeconds(redis)) - redis0,
        client: (client.user + client.system) / 1e6,
        other: 0,
        serviceProcesses,
      };
      const machine = machineBusySeconds() - machine0;
      split.other = Math.max(0, machine - split.service - split.postgres - split.redis - split.client);
      redis.disconnect();
      await db.end();
      return split;
    },
  };
}

/** Cores kept busy by processes other than the benchmark's own during the given phases (should be ~0). */
export function otherProcessCores(...splits: CpuSplit[]): number {
  const wall = splits.reduce((sum, s) => sum + s.wallSeconds, 0);
  return Math.round((splits.reduce((sum, s) => sum + s.other, 0) / wall) * 100) / 100;
}

/** The split rounded for reports. */
export function roundSplit(split: CpuSplit): Record<keyof CpuSplit, number> {
  const r = (v: number) => Math.round(v * 100) / 100;
  return { wallSeconds: r(split.wallSeconds), service: r(split.service), postgres: r(split.postgres), redis: r(split.redis), client: r(split.client), other: r(split.other) };
}
