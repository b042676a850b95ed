import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SlotLeasesService } from '../dispatcher/slot-leases.service';
import { clusterMetricsUp, organizationInfo, queuedCalls, slotLimit, slotsExternal, slotsInUse } from './metrics';

/**
 * The gauges that describe every organization, read at each scrape: one aggregate over call_requests
 * (one row per campaign, never the calls table) joined to organizations, and one Redis pipeline of
 * lease counts. The same for every process, so only API processes export them.
 */
@Injectable()
export class ClusterMetricsService {
  private refreshing?: Promise<void>;

  constructor(
    private readonly db: DataSource,
    private readonly slots: SlotLeasesService,
  ) {}

  /** Concurrent scrapes share one read. */
  refresh(): Promise<void> {
    return (this.refreshing ??= this.read().finally(() => (this.refreshing = undefined)));
  }

  private async read(): Promise<void> {
    try {
      const rows: { id: string; name: string; limit: number; external: number; queued: number }[] = await this.db.query(
        `SELECT o.id, o.name, o.max_concurrent_calls AS limit, o.external_ongoing_calls AS external, COALESCE(q.queued, 0)::int AS queued
         FROM organizations o
         LEFT JOIN (
           SELECT organization_id, sum(total_calls - dialed_calls) AS queued FROM call_requests
           WHERE completed_at IS NULL GROUP BY organization_id
         ) q ON q.organization_id = o.id`,
      );
      const inUse = await this.slots.liveLeaseCounts(rows.map((row) => row.id));
      for (const gauge of [queuedCalls, slotsInUse, slotLimit, slotsExternal, organizationInfo]) gauge.reset();
      rows.forEach((row, i) => {
        const labels = { organization: row.id };
        queuedCalls.set(labels, row.queued);
        slotsInUse.set(labels, inUse[i]);
        slotLimit.set(labels, row.limit);
        slotsExternal.set(labels, row.external);
        organizationInfo.set({ organization: row.id, name: row.name }, 1);
      });
      clusterMetricsUp.set(1);
    } catch {
      // Stale values would mislead: drop them, and say so.
      for (const gauge of [queuedCalls, slotsInUse, slotLimit, slotsExternal, organizationInfo]) gauge.reset();
      clusterMetricsUp.set(0);
    }
  }
}
