import { AppConfig, loadConfig, ResolvedConfig } from './config/app-config';
import { EMBEDDED_POSTGRES_MAX_CONNECTIONS } from './local-infra/embedded-postgres';
import { LocalInfrastructure, startLocalInfrastructure } from './local-infra/local-infrastructure';

const DEFAULT_POOL_SIZE = 20;

/** Reads the environment and starts whatever it leaves out (embedded PostgreSQL, private Redis). */
export async function resolveConfig(log: (message: string) => void = console.log): Promise<{ config: ResolvedConfig; infrastructure: LocalInfrastructure }> {
  const base: AppConfig = loadConfig();
  const infrastructure = await startLocalInfrastructure({
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
    databasePoolSize: infrastructure.embeddedPostgres ? EMBEDDED_POSTGRES_MAX_CONNECTIONS : (base.databasePoolSize ?? DEFAULT_POOL_SIZE),
  };
  return { config, infrastructure };
}
