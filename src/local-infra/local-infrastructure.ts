import { EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { PrivateRedis, startPrivateRedis } from './private-redis';

export interface LocalInfrastructureOptions {
  /** Used as is when set; otherwise an embedded PostgreSQL (PGlite) is served. */
  databaseUrl?: string;
  /** Used as is when set; otherwise a private redis-server is started. */
  redisUrl?: string;
  /** Holds the embedded database (`${dataDir}/pglite`). */
  dataDir: string;
  log?: (msg: string) => void;
}

export interface LocalInfrastructure {
  databaseUrl: string;
  redisUrl: string;
  embeddedPostgres: boolean;
  privateRedis: boolean;
  /** Stops what was started here; idempotent. */
  stop(): Promise<void>;
}

/** How long a signal-triggered shutdown may take before the signal is re-raised anyway. */
const STOP_ON_SIGNAL_TIMEOUT_MS = 5_000;

/**
 * Zero-configuration start: fills in DATABASE_URL / REDIS_URL with embedded
 * services when they are not configured.
 */
export async function startLocalInfrastructure(opts: LocalInfrastructureOptions): Promise<LocalInfrastructure> {
  const log = opts.log ?? (() => undefined);
  // Redis first: a missing redis-server fails in milliseconds, PGlite's first start takes seconds.
  const redis = await useOrStart(opts.redisUrl, () => startPrivateRedis(log));
  let postgres: Endpoint<EmbeddedPostgres>;
  try {
    postgres = await useOrStart(opts.databaseUrl, () => startEmbeddedPostgres(opts.dataDir, log));
  } catch (error) {
    await redis.started?.stop();
    throw error;
  }
  const running = trackRunning(postgres.started, redis.started);
  return {
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    embeddedPostgres: postgres.started !== undefined,
    privateRedis: redis.started !== undefined,
    stop: running.stop,
  };
}

/** A URL, plus the service behind it when this process started it. */
interface Endpoint<S> {
  url: string;
  started?: S;
}

async function useOrStart<S extends { url: string }>(
  configuredUrl: string | undefined,
  start: () => Promise<S>,
): Promise<Endpoint<S>> {
  const url = configuredUrl?.trim();
  if (url) return { url };
  const started = await start();
  return { url: started.url, started };
}

interface RunningServices {
  stop(): Promise<void>;
  killNow(): void;
}

function trackRunning(postgres: EmbeddedPostgres | undefined, redis: PrivateRedis | undefined): RunningServices {
  let stopping: Promise<void> | undefined;
  const services: RunningServices = {
    stop: () =>
      (stopping ??= (async () => {
        const results = await Promise.allSettled([postgres?.stop(), redis?.stop()]);
        exitHooks.unregister(services);
        const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) throw failure.reason;
      })()),
    killNow: () => redis?.killNow(),
  };
  if (postgres || redis) exitHooks.register(services);
  return services;
}

/**
 * Process hooks for running instances: on SIGINT/SIGTERM, stop everything
 * (PGlite closes cleanly) and then let the signal terminate the process; on
 * 'exit', end redis-server at once. (Its watchdog would also end it once this
 * process is gone, even after SIGKILL.) One set of listeners serves all
 * instances, so the "only SIGINT/SIGTERM listener" check counts them once.
 */
const exitHooks = (() => {
  const active = new Set<RunningServices>();

  // 'exit' also fires after an uncaught exception or unhandled rejection; only
  // synchronous work is possible there.
  const onExit = () => active.forEach((services) => services.killNow());

  const onSignal = (signal: NodeJS.Signals) => {
    // Someone else (e.g. Nest's enableShutdownHooks) handles the signal: it runs
    // its shutdown and then re-raises the signal, which lands here alone.
    if (process.listenerCount(signal) > 1) return;
    void stopAll().finally(() => {
      onExit();
      removeListeners();
      process.kill(process.pid, signal); // default action: terminate with the signal's exit status
    });
  };

  const stopAll = () =>
    Promise.race([
      Promise.allSettled([...active].map((services) => services.stop())),
      new Promise((resolve) => setTimeout(resolve, STOP_ON_SIGNAL_TIMEOUT_MS).unref()),
    ]);

  const addListeners = () => {
    process.on('exit', onExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  };
  const removeListeners = () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  return {
    register(services: RunningServices) {
      if (active.size === 0) addListeners();
      active.add(services);
    },
    unregister(services: RunningServices) {
      if (active.delete(services) && active.size === 0) removeListeners();
    },
  };
})();
