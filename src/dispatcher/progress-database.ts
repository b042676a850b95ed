import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';

/**
 * Connections for call progress (ringing, answered, steps, end), whose commits do not wait for the
 * WAL to reach disk. Row locks are then held for microseconds instead of a flush, which is what lets
 * hundreds of calls a second end on one campaign's counter row. A database crash can lose the last
 * fraction of a second of progress; the reconciler then records such a call as failed (lost).
 * Claims and dial starts, which guard against dialing twice, stay on the ordinary, durable connections.
 */
@Injectable()
export class ProgressDatabase implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: ResolvedConfig) {
    this.pool = new Pool({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    // The embedded PostgreSQL shares one session between all connections: a SET there would apply to claims too.
    if (!config.localMode) {
      this.pool.on('connect', (client) => void client.query('SET synchronous_commit = off').catch(() => undefined));
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /** After every module's destroy hook: the last call events are written first. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
