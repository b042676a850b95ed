import { Logger } from '@nestjs/common';
import { Pool } from 'pg';

/**
 * Keeps a pg Pool's idle-connection errors from killing the process. When PostgreSQL restarts, fails
 * over or terminates a session, every idle client of a pool receives the error (57P01 "terminating
 * connection due to administrator command", or "Connection terminated unexpectedly"); pg-pool then drops
 * that client and emits `error` on the pool, and an EventEmitter with no `error` listener throws: the
 * process dies. With a listener, the pool simply opens a new connection on its next query, which is the
 * recovery we want. (TypeORM's own pool has such a listener; pools we create ourselves need one.)
 */
export function logIdleClientErrors(pool: Pool, name: string, logger = new Logger('PostgresPool')): Pool {
  pool.on('error', (error: Error & { code?: string }) => {
    logger.warn(`${name} pool: an idle PostgreSQL connection was closed (${error.code ?? 'no code'}: ${error.message}); a new one is opened on the next query`);
  });
  return pool;
}
