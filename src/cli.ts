import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import { resolveConfig } from './bootstrap';
import { runMigrations } from './database/run-migrations';
import { typeormOptions } from './database/typeorm-options';
import { OrganizationsModule } from './organizations/organizations.module';
import { OrganizationsService } from './organizations/organizations.service';

const USAGE = 'usage: npm run cli -- org:create --name <name> --max-concurrent-calls <k>';

/** Administrative commands. `org:create` prints the new organization and its API key as JSON. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== 'org:create') throw new Error(USAGE);
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, 'max-concurrent-calls': { type: 'string' } } });
  const maxConcurrentCalls = Number(values['max-concurrent-calls']);
  if (!values.name || !Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) throw new Error(USAGE);

  // stdout carries only the JSON result.
  const { config, infrastructure } = await resolveConfig((message) => process.stderr.write(`${message}\n`));
  await runMigrations(config.databaseUrl);
  @Module({ imports: [TypeOrmModule.forRoot(typeormOptions(config.databaseUrl, 1)), OrganizationsModule] })
  class CliModule {}
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
  try {
    const { organization, apiKey } = await app.get(OrganizationsService).create(values.name, maxConcurrentCalls);
    process.stdout.write(`${JSON.stringify({ id: organization.id, name: organization.name, maxConcurrentCalls, apiKey }, null, 2)}\n`);
  } finally {
    await app.close();
    await infrastructure.stop();
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
