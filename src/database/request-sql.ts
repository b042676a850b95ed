import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { DataSource, QueryRunner } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { queryPrepared } from './prepared-sql';

/**
 * The fixed reads that every API request makes (its key, its campaign, a status page), on TypeORM's own pool
 * but without its query runner, as named prepared statements: PostgreSQL parses and plans each once per
 * connection instead of on every request (issue 17: the per-request cost).
 */
@Injectable()
export class RequestSql {
  private readonly prepared: boolean;

  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) config: ResolvedConfig,
  ) {
    this.prepared = !config.localMode;
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return queryPrepared<T>((this.db.driver as PostgresDriver).master as Pool, sql, params, this.prepared);
  }

  /** The same with each row as an array of its columns' values, in the order selected. */
  rows(sql: string, params: unknown[]): Promise<unknown[][]> {
    return queryPrepared<unknown[]>((this.db.driver as PostgresDriver).master as Pool, sql, params, this.prepared, 'array');
  }

  /** The same, inside the open transaction of `runner` (e.g. the large statements of a submission, whose planning cost more than their work). */
  async inTransaction<T = Record<string, unknown>>(runner: QueryRunner, sql: string, params: unknown[]): Promise<T[]> {
    return queryPrepared<T>((await runner.connect()) as PoolClient, sql, params, this.prepared);
  }
}
