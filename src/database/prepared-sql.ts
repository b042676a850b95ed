import { createHash } from 'node:crypto';
import { Pool, PoolClient, QueryConfig } from 'pg';

const names = new Map<string, string>();

/**
 * Runs `sql` on `pool` as a named prepared statement, so that each connection parses and plans it once: for
 * the statements run hundreds of times a second, planning was a large part of PostgreSQL's work. `prepared`
 * false runs it unnamed: the embedded PostgreSQL has one session for all connections, where a second PREPARE
 * of a name fails. `rowMode` 'array': each row as the array of its values, in the order selected.
 */
export async function queryPrepared<T>(pool: Pool | PoolClient, sql: string, params: unknown[], prepared: boolean, rowMode?: 'array'): Promise<T[]> {
  let name: string | undefined;
  if (prepared) {
    name = names.get(sql);
    if (!name) {
      name = `q_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
      names.set(sql, name);
    }
  }
  const config = { name, text: sql, values: params, ...(rowMode && { rowMode }) } as QueryConfig;
  return (await pool.query(config)).rows as T[];
}
