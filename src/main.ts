import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp, createWorkerContext } from './app.factory';
import { resolveConfig } from './bootstrap';
import { clusterChild, reportReady, runCluster, runsCluster } from './cluster';
import { ensureDefaultOrganization } from './organizations/default-organization';

/**
 * Starts the service in the role APP_ROLE names: api, worker, or all (default: both in one process). With
 * API_PROCESSES > 1 (roles api and all), this process forks the API processes and the worker part instead
 * (src/cluster.ts).
 */
async function main(): Promise<void> {
  const { config, infrastructure } = await resolveConfig();
  if (runsCluster(config)) return runCluster(config, infrastructure);
  if (config.role === 'worker' && config.apiProcesses > 1) {
    Logger.warn(`API_PROCESSES=${config.apiProcesses} is ignored with APP_ROLE=worker (it serves no HTTP): start more workers for more`, 'Main');
  }
  const http = config.role === 'worker' ? undefined : await createHttpApp(config);
  const app = http ?? (await createWorkerContext(config));
  // In a cluster, only the first child bootstraps: two at once could create two default organizations.
  if (clusterChild()?.bootstrap ?? true) await ensureDefaultOrganization(app, config);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app.close();
      await infrastructure.stop();
      process.exit(0);
    })());
  // A cluster child may be signalled twice (by a terminal's Ctrl-C, then by its primary); a lone process
  // dies at a second signal, as before.
  const on = clusterChild() ? process.on.bind(process) : process.once.bind(process);
  on('SIGINT', () => void stop());
  on('SIGTERM', () => void stop());
  if (http) {
    await http.listen(config.port, '0.0.0.0');
    Logger.log(`Robo call API on http://localhost:${config.port} (OpenAPI at /docs), role ${config.role}`, 'Main');
  } else {
    Logger.log('Worker started', 'Main');
  }
  reportReady();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
