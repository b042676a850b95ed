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

/**
 * Whether a query failed because PostgreSQL could not be reached or dropped the session (a restart, a
 * failover, a network cut), so that the same statement can be sent again once it is back: SQLSTATE
 * classes 08 (connection exception) and 57P (operator intervention: shutdown, cannot connect now), or a
 * socket error with no SQLSTATE at all.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return /^(08|57P)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH)$/.test(code);
  const message = String((error as Error)?.message ?? '');
  return /Connection terminated|connection (?:was )?closed|Client has encountered a connection error/i.test(message);
}
