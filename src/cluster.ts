import cluster, { Worker } from 'node:cluster';
import { Logger, LogLevel } from '@nestjs/common';
import { ResolvedConfig } from './config/app-config';
import { LocalInfrastructure } from './local-infra/local-infrastructure';

/**
 * API_PROCESSES=N (N > 1): this process becomes a node:cluster primary that serves nothing itself. It has
 * started the embedded infrastructure, if any (once, for everyone), and forks its children:
 *
 * - APP_ROLE=all: one worker-role child (dispatcher, dial processor, reconciler, scheduler, deliveries: the
 *   worker part runs once, as in the single process) and N api-role children sharing PORT;
 * - APP_ROLE=api: N api-role children sharing PORT.
 *
 * The first child runs the migrations and the default organization's bootstrap alone; the others start once
 * it is ready, so PORT answers only once the bootstrap key works, as with one process. A child that dies
 * later is forked again after a back-off; SIGTERM or SIGINT stops every child gracefully (each closes its
 * listeners and finishes its requests in flight), then the infrastructure, and the exit code is 0 only if
 * every child stopped cleanly.
 */

/** Environment variable through which the primary describes a child to it (JSON of ClusterChild). */
const CHILD_ENV = 'ROBOCALL_CLUSTER_CHILD';
/** The IPC message a child sends once it serves (api: listening; worker: bootstrapped). */
const READY_MESSAGE = 'robocall:ready';

const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** A child that ran this long before dying starts again after the first delay, not a longer one. */
const RESTART_STABLE_AFTER_MS = 60_000;
/** How long children get to finish their requests and close before they are killed. */
const STOP_TIMEOUT_MS = 30_000;
/** The embedded PostgreSQL takes 50 connections, 30-odd of them for the worker part's pools. */
const EMBEDDED_MAX_API_PROCESSES = 4;
/** PGlite runs one statement at a time: an API process's pool on it needs no more. */
const EMBEDDED_API_POOL_SIZE = 2;

/** What the primary tells a child about itself. */
export interface ClusterChild {
  /** Its place in the primary's plan (a replacement takes the same one). */
  slot: number;
  role: 'api' | 'worker';
  /** Runs ensureDefaultOrganization (only the first child: two at once would create two). */
  bootstrap: boolean;
  /** The primary serves the embedded PostgreSQL (local mode): DATABASE_URL and REDIS_URL are the primary's. */
  embeddedPostgres: boolean;
  /** Overrides the pool size (API processes on the embedded PostgreSQL). */
  databasePoolSize?: number;
}

/** This process's description when a cluster primary forked it; undefined otherwise. */
export function clusterChild(): ClusterChild | undefined {
  const text = cluster.isWorker ? process.env[CHILD_ENV] : undefined;
  return text ? (JSON.parse(text) as ClusterChild) : undefined;
}

/** Tells the primary, if any, that this child now serves. */
export function reportReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE });
}

/** Whether this process forks API processes instead of serving (APP_ROLE api or all, API_PROCESSES > 1). */
export function runsCluster(config: ResolvedConfig): boolean {
  return cluster.isPrimary && config.role !== 'worker' && config.apiProcesses > 1;
}

/** The children of a primary, in start order: the worker part once (role all), then the API processes. */
export function clusterPlan(config: Pick<ResolvedConfig, 'role' | 'apiProcesses' | 'localMode'>): ClusterChild[] {
  if (config.role === 'worker') throw new Error('APP_ROLE=worker serves no HTTP: it forks no API processes');
  if (config.localMode && config.apiProcesses > EMBEDDED_MAX_API_PROCESSES) {
    throw new Error(
      `API_PROCESSES=${config.apiProcesses} needs DATABASE_URL: the embedded PostgreSQL accepts 50 connections and runs one statement at a time (at most ${EMBEDDED_MAX_API_PROCESSES} API processes on it)`,
    );
  }
  const roles: ClusterChild['role'][] = [...(config.role === 'all' ? (['worker'] as const) : []), ...Array<'api'>(config.apiProcesses).fill('api')];
  return roles.map((role, slot) => ({
    slot,
    role,
    bootstrap: slot === 0,
    embeddedPostgres: config.localMode,
    ...(config.localMode && role === 'api' && { databasePoolSize: EMBEDDED_API_POOL_SIZE }),
  }));
}

/** The delay before a slot's child is forked again, given the restarts in a row so far (0, 1, …). */
export function restartDelayMs(restartsInARow: number): number {
  return Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** restartsInARow);
}

interface Slot {
  spec: ClusterChild;
  worker?: Worker;
  startedAt: number;
  ready: boolean;
  restartsInARow: number;
  restartTimer?: NodeJS.Timeout;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];

/**
 * Runs the primary until SIGTERM or SIGINT, then exits the process: 0 when every child stopped cleanly,
 * 1 otherwise (or when a child could not start at all).
 */
export async function runCluster(config: ResolvedConfig, infrastructure: LocalInfrastructure): Promise<void> {
  Logger.overrideLogger(LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1));
  const logger = new Logger('Cluster');
  const slots: Slot[] = clusterPlan(config).map((spec) => ({ spec, startedAt: 0, ready: false, restartsInARow: 0 }));
  const name = (slot: Slot) => (slot.spec.role === 'worker' ? 'worker process' : `API process ${slot.spec.slot - (slots[0].spec.role === 'worker' ? 1 : 0) + 1}`);
  let stopping: Promise<never> | undefined;

  const fork = (slot: Slot): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({
        APP_ROLE: slot.spec.role,
        API_PROCESSES: '1',
        DATABASE_URL: config.databaseUrl,
        REDIS_URL: config.redisUrl,
        [CHILD_ENV]: JSON.stringify(slot.spec),
      });
      Object.assign(slot, { worker, startedAt: Date.now(), ready: false });
      worker.on('message', (message: { type?: string }) => {
        if (message?.type !== READY_MESSAGE || slot.worker !== worker) return;
        slot.ready = true;
        resolve();
      });
      worker.once('exit', (code, signal) => {
        if (slot.worker !== worker) return;
        slot.worker = undefined;
        const how = signal ? `signal ${signal}` : `code ${code}`;
        if (stopping) return;
        if (!slot.ready) return reject(new Error(`${name(slot)} (pid ${worker.process.pid}) exited with ${how} before it was ready`));
        if (Date.now() - slot.startedAt >= RESTART_STABLE_AFTER_MS) slot.restartsInARow = 0;
        restart(slot, `${name(slot)} (pid ${worker.process.pid}) exited with ${how}`);
      });
    });

  /** Forks the slot's child again after its back-off; one that dies before it is ready waits longer still. */
  const restart = (slot: Slot, what: string) => {
    const delay = restartDelayMs(slot.restartsInARow++);
    logger.warn(`${what}; starting another in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (stopping) return;
      fork(slot).then(
        () => logger.log(`${name(slot)} is back (pid ${slot.worker?.process.pid})`),
        (error: Error) => restart(slot, error.message),
      );
    }, delay);
  };

  const stop = (reason: string, failed: boolean): Promise<never> =>
    (stopping ??= (async () => {
      logger.log(`${reason}: stopping ${slots.filter((s) => s.worker).length} processes`);
      for (const slot of slots) clearTimeout(slot.restartTimer);
      const outcomes = await Promise.all(slots.map((slot) => stopChild(slot, name(slot), logger)));
      const clean = !failed && outcomes.every(Boolean);
      await infrastructure.stop().catch((error) => logger.error(`stopping the local infrastructure: ${error}`));
      if (clean) logger.log('every process stopped');
      process.exit(clean ? 0 : 1);
    })());

  process.on('SIGTERM', () => void stop('SIGTERM', false));
  process.on('SIGINT', () => void stop('SIGINT', false));

  try {
    // The first child migrates and bootstraps alone; then the others start together.
    await fork(slots[0]);
    await Promise.all(slots.slice(1).map(fork));
  } catch (error) {
    logger.error((error as Error).message);
    await stop('a process could not start', true);
  }
  const pids = (role: ClusterChild['role']) => slots.filter((s) => s.spec.role === role).map((s) => s.worker?.process.pid);
  const workerPart = config.role === 'all' ? `, the worker part in pid ${pids('worker')[0]}` : '';
  logger.log(`${config.apiProcesses} API processes share port ${config.port} (pids ${pids('api').join(', ')})${workerPart}; primary pid ${process.pid}`);
}

/** SIGTERM to a child and its exit; true if it exited with code 0 in time (killed after STOP_TIMEOUT_MS). */
async function stopChild(slot: Slot, name: string, logger: Logger): Promise<boolean> {
  const worker = slot.worker;
  if (!worker || worker.isDead()) return true;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => worker.once('exit', (code, signal) => resolve({ code, signal })));
  worker.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    logger.error(`${name} (pid ${worker.process.pid}) did not stop within ${STOP_TIMEOUT_MS} ms: killed`);
    worker.process.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  const { code, signal } = await exited;
  clearTimeout(timer);
  // Not ready yet, it had no handler for the signal: nothing was in flight.
  if (code === 0 || (!slot.ready && signal === 'SIGTERM')) return true;
  logger.error(`${name} (pid ${worker.process.pid}) stopped with ${signal ? `signal ${signal}` : `code ${code}`}`);
  return false;
}
