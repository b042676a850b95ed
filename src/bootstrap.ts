import { clusterChild } from './cluster';
import { AppConfig, loadConfig, ResolvedConfig } from './config/app-config';
import { EMBEDDED_POSTGRES_MAX_CONNECTIONS } from './local-infra/embedded-postgres';
import { LocalInfrastructure, startLocalInfrastructure } from './local-infra/local-infrastructure';

const DEFAULT_POOL_SIZE = 20;
/**
 * Small on purpose: the call path's statements take well under a millisecond each, and every session busy
 * at once competes with the dispatcher's claims (on connections of their own) for PostgreSQL's CPUs. With
 * 20 per pool, a burst of call events put dozens of backends on two cores and the claims waited behind
 * them: the refill benchmark's p99 was 11-18 ms at 20, 8-12 ms at 4, 7-8 ms at 2 (BENCHMARKS.md).
 */
const DEFAULT_CALL_POOL_SIZE = 2;

/**
 * Reads the environment and starts whatever it leaves out (embedded PostgreSQL, private Redis). A child of
 * an API_PROCESSES cluster starts nothing: its primary did, and passed the URLs (src/cluster.ts).
 */
export async function resolveConfig(log: (message: string) => void = console.log): Promise<{ config: ResolvedConfig; infrastructure: LocalInfrastructure }> {
  const base: AppConfig = loadConfig();
  const child = clusterChild();
  const infrastructure: LocalInfrastructure = child
    ? { databaseUrl: base.databaseUrl!, redisUrl: base.redisUrl!, embeddedPostgres: child.embeddedPostgres, privateRedis: false, stop: async () => undefined }
    : await startLocalInfrastructure({
        databaseUrl: base.databaseUrl,
        redisUrl: base.redisUrl,
        dataDir: base.dataDir,
        log,
      });
  const config: ResolvedConfig = {
    ...base,
    databaseUrl: infrastructure.databaseUrl,
    redisUrl: infrastructure.redisUrl,
    localMode: infrastructure.embeddedPostgres,
    databasePoolSize:
      child?.databasePoolSize ?? (infrastructure.embeddedPostgres ? EMBEDDED_POSTGRES_MAX_CONNECTIONS : (base.databasePoolSize ?? DEFAULT_POOL_SIZE)),
    databaseCallPoolSize: infrastructure.embeddedPostgres ? EMBEDDED_POSTGRES_MAX_CONNECTIONS : (base.databaseCallPoolSize ?? DEFAULT_CALL_POOL_SIZE),
  };
  return { config, infrastructure };
}
