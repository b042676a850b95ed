import { Client } from 'pg';

/**
 * A sampling profile of PostgreSQL (pg_stat_statements is not available): every `intervalMs`, which statements
 * of the benchmark's database are active and what they wait on ('CPU' = running, Lock:* = blocked by another
 * transaction, IO:* / LWLock:* ...). Reported as the average number of backends in each state.
 */
export interface ActivityProfile {
  samples: number;
  /** Average active backends, by wait state. */
  byWait: Record<string, number>;
  /** Average active backends, by the statement's first words. */
  byStatement: Record<string, number>;
}

export async function startActivitySampler(databaseUrl: string, intervalMs = 100): Promise<{ stop(): Promise<ActivityProfile> }> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // the database may be dropped under it when a run is interrupted
  await client.connect();
  const byWait = new Map<string, number>();
  const byStatement = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const sample = async () => {
    const { rows } = await client.query<{ wait: string; statement: string }>(
      `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait,
              left(regexp_replace(query, '\\s+', ' ', 'g'), 48) AS statement
       FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
    );
    samples++;
    for (const row of rows) {
      add(byWait, row.wait);
      add(byStatement, row.statement);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await sample();
      } catch {
        return; // the database went away (interrupted run): keep what was sampled
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  const averages = (map: Map<string, number>, top: number) =>
    Object.fromEntries(
      [...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, count]) => [key, Math.round((count / Math.max(samples, 1)) * 100) / 100]),
    );
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      return { samples, byWait: averages(byWait, 8), byStatement: averages(byStatement, 8) };
    },
  };
}
