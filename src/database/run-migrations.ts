import { DataSource } from 'typeorm';
import { typeormOptions } from './typeorm-options';

/** Any constant shared by every process of the service: the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 727_246_001;

/**
 * Brings the schema up to date before the application starts. Several processes starting at once
 * (production runs N of each role) take turns under a PostgreSQL advisory lock, so no two of them
 * try to create the same table.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const dataSource = new DataSource(typeormOptions(databaseUrl, 2));
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}
