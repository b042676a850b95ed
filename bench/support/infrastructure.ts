import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { deleteRedisKeys } from '../../test/support/test-environment';

/** The local PostgreSQL and Redis the benchmarks use; only 127.0.0.1. */
export const ADMIN_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const randomSuffix = (): string => randomBytes(4).toString('hex');

export interface BenchDatabase {
  name: string;
  url: string;
  /** A connected client on this database (the caller ends it). */
  connect(): Promise<Client>;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** A fresh, empty database (the service runs its migrations on start). */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `robocall_bench_${randomSuffix()}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async connect() {
      const client = new Client({ connectionString: url.toString() });
      client.on('error', () => undefined); // the database may be dropped under it when a run is interrupted
      await client.connect();
      return client;
    },
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Commands the Redis server has processed since it started (all clients: meaningful on an otherwise idle machine). */
export async function redisCommandsProcessed(): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    return Number(/^total_commands_processed:(\d+)/m.exec(await redis.info('stats'))?.[1] ?? NaN);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every Redis key under `${prefix}:` (bull queues, slot leases). */
export function clearRedisPrefix(prefix: string): Promise<void> {
  return deleteRedisKeys(REDIS_URL, prefix);
}
