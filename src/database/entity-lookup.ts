import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';
import { RequestSql } from './request-sql';

/**
 * An entity's rows read by hand-written SQL and hydrated as TypeORM would (the columns' value transformers
 * applied; pg already parses dates, JSON and integers).
 */
export class EntityRows<T extends ObjectLiteral> {
  private readonly metadata: EntityMetadata;

  constructor(db: DataSource, entity: EntityTarget<T>) {
    this.metadata = db.getMetadata(entity);
  }

  get table(): string {
    return `"${this.metadata.tableName}"`;
  }

  /** The entity's columns for a SELECT list, qualified by `alias` when the query joins other tables. */
  columns(alias?: string): string {
    return this.metadata.columns.map((column) => `${alias ? `${alias}.` : ''}"${column.databaseName}"`).join(', ');
  }

  /** A row holding the columns of `columns()` as the entity. */
  toEntity(row: Record<string, unknown>): T {
    const entity = this.metadata.create() as T;
    for (const column of this.metadata.columns) {
      const value = row[column.databaseName];
      column.setEntityValue(entity, column.transformer ? ApplyValueTransformers.transformFrom(column.transformer, value) : value);
    }
    return entity;
  }
}

/**
 * One entity found by a fixed condition, with its SQL written once from the entity's metadata and run as a
 * prepared statement (RequestSql). Meant for the lookups every API request makes (its campaign by requestId,
 * …): TypeORM's findOneBy builds and rewrites its query on every call, which was about a tenth of the
 * service's CPU under load.
 */
export class EntityLookup<T extends ObjectLiteral> {
  private readonly rows: EntityRows<T>;
  private readonly sql: string;

  /** `where`: SQL over the table's columns with $1, $2… for the values given to `find`. */
  constructor(
    db: DataSource,
    private readonly requestSql: RequestSql,
    entity: EntityTarget<T>,
    where: string,
  ) {
    this.rows = new EntityRows(db, entity);
    this.sql = `SELECT ${this.rows.columns()} FROM ${this.rows.table} WHERE ${where} LIMIT 1`;
  }

  async find(...values: unknown[]): Promise<T | null> {
    const rows = await this.requestSql.query(this.sql, values);
    return rows.length === 0 ? null : this.rows.toEntity(rows[0]);
  }
}
