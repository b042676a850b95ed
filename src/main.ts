import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp, createWorkerContext } from './app.factory';
import { resolveConfig } from './bootstrap';
import { ensureDefaultOrganization } from './organizations/default-organization';

/** Starts the service in the role APP_ROLE names: api, worker, or all (default: both in one process). */
async function main(): Promise<void> {
  const { config, infrastructure } = await resolveConfig();
  const http = config.role === 'worker' ? undefined : await createHttpApp(config);
  const app = http ?? (await createWorkerContext(config));
  await ensureDefaultOrganization(app, config);
  const stop = async () => {
    await app.close();
    await infrastructure.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
  if (http) {
    await http.listen(config.port, '0.0.0.0');
    Logger.log(`Robo call API on http://localhost:${config.port} (OpenAPI at /docs), role ${config.role}`, 'Main');
  } else {
    Logger.log('Worker started', 'Main');
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
