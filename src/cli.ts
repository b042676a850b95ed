import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { INestApplicationContext, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import { resolveConfig } from './bootstrap';
import { runMigrations } from './database/run-migrations';
import { typeormOptions } from './database/typeorm-options';
import { API_KEY_SCOPES, ApiKeyScope, ApiKeysService } from './organizations/api-keys.service';
import { OrganizationsModule } from './organizations/organizations.module';
import { ConfigModule } from './config/config.module';
import { OrganizationsService } from './organizations/organizations.service';

const USAGE = [
  'usage: npm run cli -- org:create --name <name> --max-concurrent-calls <k>',
  '       npm run cli -- keys:create --org <organizationId> --name <name> --scope read|write',
  '       npm run cli -- keys:list --org <organizationId>',
  '       npm run cli -- keys:revoke --org <organizationId> --key <apiKeyId>',
].join('\n');

const OPTIONS = {
  name: { type: 'string' },
  'max-concurrent-calls': { type: 'string' },
  org: { type: 'string' },
  scope: { type: 'string' },
  key: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** Each command prints its result as JSON on stdout (and nothing else there). */
const COMMANDS: Record<string, (app: INestApplicationContext, values: Values) => Promise<unknown>> = {
  'org:create': async (app, values) => {
    const maxConcurrentCalls = Number(values['max-concurrent-calls']);
    if (!values.name || !Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) throw new Error(USAGE);
    const { organization, apiKey } = await app.get(OrganizationsService).create(values.name, maxConcurrentCalls);
    return { id: organization.id, name: organization.name, maxConcurrentCalls, apiKey };
  },
  'keys:create': async (app, values) => {
    const org = await organizationOf(app, values);
    if (!values.name?.trim() || !API_KEY_SCOPES.includes(values.scope as ApiKeyScope)) throw new Error(USAGE);
    const { record, apiKey } = await app.get(ApiKeysService).create(org, values.name, values.scope as ApiKeyScope);
    return { ...record, key: apiKey };
  },
  'keys:list': async (app, values) => ({ apiKeys: await app.get(ApiKeysService).list(await organizationOf(app, values)) }),
  'keys:revoke': async (app, values) => {
    const org = await organizationOf(app, values);
    if (!values.key) throw new Error(USAGE);
    return app.get(ApiKeysService).revoke(org, values.key);
  },
};

async function organizationOf(app: INestApplicationContext, values: Values): Promise<string> {
  if (!values.org) throw new Error(USAGE);
  const organization = /^[0-9a-f-]{36}$/i.test(values.org) ? await app.get(OrganizationsService).findById(values.org) : null;
  if (!organization) throw new Error(`No organization ${values.org}`);
  return organization.id;
}

/** Administrative commands: organizations and their API keys. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const run = COMMANDS[command];
  if (!run) throw new Error(USAGE);
  const { values } = parseArgs({ args: rest, options: OPTIONS });

  // stdout carries only the JSON result.
  const { config, infrastructure } = await resolveConfig((message) => process.stderr.write(`${message}\n`));
  await runMigrations(config.databaseUrl);
  @Module({ imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(typeormOptions(config.databaseUrl, 1)), OrganizationsModule] })
  class CliModule {}
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
  try {
    process.stdout.write(`${JSON.stringify(await run(app, values), null, 2)}\n`);
  } finally {
    await app.close();
    await infrastructure.stop();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
