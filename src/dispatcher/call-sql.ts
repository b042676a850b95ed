import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { logIdleClientErrors } from '../database/pg-pool-errors';
import { queryPrepared } from '../database/prepared-sql';

/**
 * The SQL of the call path (claim, dial, progress), run as named prepared statements so that each
 * connection parses and plans them once: at hundreds of calls a second, planning was a large part of
 * PostgreSQL's work.
 *
 * Three pools. `durable`: the dial start, the one write that guards against dialing twice (a call is
 * dialed only after it committed), commits as usual. `progress`: ringing, answered, steps and the end,
 * whose commits do not wait for the WAL to reach disk, so row locks (one campaign's counter row is
 * shared by all its calls) are held for microseconds instead of a flush. `claim`: the dispatcher's
 * claims, committed the same way, on connections of their own: a claim is on the path from a freed
 * slot to the next dial, and must not wait in line behind the progress writes of calls that end
 * together (a dispatcher claims for one organization at a time, so two connections are plenty). A database crash can lose
 * the last fraction of a second of them: a lost claim leaves its call queued (its dial job finds nothing
 * to dial), and a call whose end was lost is recorded as failed (lost) once its lease has expired.
 */
@Injectable()
export class CallSql implements OnApplicationShutdown {
  private readonly durablePool: Pool;
  private readonly progressPool: Pool;
  private readonly claimPool: Pool;
  /** Not with the embedded PostgreSQL (queryPrepared says why). */
  private readonly prepared: boolean;

  constructor(@Inject(APP_CONFIG) config: ResolvedConfig) {
    this.durablePool = logIdleClientErrors(new Pool({ connectionString: config.databaseUrl, max: config.databaseCallPoolSize }), 'dial start');
    // The embedded PostgreSQL shares one session between all connections: the setting would reach dial starts too.
    const asynchronousCommit = !config.localMode && { options: '-c synchronous_commit=off' };
    this.progressPool = logIdleClientErrors(new Pool({ connectionString: config.databaseUrl, max: config.databaseCallPoolSize, ...asynchronousCommit }), 'call progress');
    this.claimPool = logIdleClientErrors(new Pool({ connectionString: config.databaseUrl, max: 2, ...asynchronousCommit }), 'claim');
    this.prepared = !config.localMode;
  }

  durable<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return queryPrepared<T>(this.durablePool, sql, params, this.prepared);
  }

  progress<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return queryPrepared<T>(this.progressPool, sql, params, this.prepared);
  }

  claim<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return queryPrepared<T>(this.claimPool, sql, params, this.prepared);
  }

  /** After every module's destroy hook: the last call events are written first. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.durablePool.end(), this.progressPool.end(), this.claimPool.end()]);
  }
}
