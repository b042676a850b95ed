import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VoiceEvent } from '../voice/voice-provider';

/**
 * The process's Prometheus metrics (GET /metrics, or METRICS_PORT). Counters and the histogram count what
 * this process did; the gauges under "cluster" describe every organization from PostgreSQL and Redis and
 * are refreshed at each scrape by ClusterMetricsService (API processes only, see docs/operations.md).
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];

export const dialsTotal = new Counter({
  name: 'robocall_dials_total',
  help: 'Calls placed on the voice platform by this process (the platform accepted them)',
  labelNames: ['organization'],
  registers,
});

export const dialFailuresTotal = new Counter({
  name: 'robocall_dial_failures_total',
  help: 'Dials that failed in this process (the platform refused, or the messages could not be rendered); the call is recorded as failed',
  labelNames: ['organization'],
  registers,
});

export const providerEventLag = new Histogram({
  name: 'robocall_provider_event_lag_seconds',
  help: "Time from a voice platform event (its timestamp) until this process applied it to PostgreSQL",
  labelNames: ['type'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers,
});

export const webhookSignatureFailuresTotal = new Counter({
  name: 'robocall_webhook_signature_failures_total',
  help: 'Provider webhooks and call-flow fetches refused because their signature was missing or wrong',
  registers,
});

export const httpResponsesTotal = new Counter({
  name: 'robocall_http_responses_total',
  help: 'HTTP responses of this process by status class (5xx = server errors)',
  labelNames: ['status_class'],
  registers,
});

// Cluster-wide gauges, set from PostgreSQL and Redis at each scrape of an API process.
export const queuedCalls = new Gauge({
  name: 'robocall_queued_calls',
  help: 'Calls of unfinished campaigns not dialed yet (queued, paused or scheduled), from the campaign counters',
  labelNames: ['organization'],
  registers,
});

export const slotsInUse = new Gauge({
  name: 'robocall_slots_in_use',
  help: 'Live slot leases in Redis (our calls holding a concurrent-call slot)',
  labelNames: ['organization'],
  registers,
});

export const slotLimit = new Gauge({
  name: 'robocall_slot_limit',
  help: "The organization's concurrent-call limit",
  labelNames: ['organization'],
  registers,
});

export const slotsExternal = new Gauge({
  name: 'robocall_slots_external',
  help: "Concurrent calls other apps of the organization report (PUT /organization/usage)",
  labelNames: ['organization'],
  registers,
});

export const organizationInfo = new Gauge({
  name: 'robocall_organization_info',
  help: 'Always 1: the name of each organization id',
  labelNames: ['organization', 'name'],
  registers,
});

export const clusterMetricsUp = new Gauge({
  name: 'robocall_cluster_metrics_up',
  help: '1 when the last scrape read the cluster gauges from PostgreSQL and Redis, 0 when that failed (they are then absent)',
  registers,
});

/** For the MessageBird webhook controller: one signature refused. */
export function countWebhookSignatureFailure(): void {
  webhookSignatureFailuresTotal.inc();
}

/** One event applied to the calls table. */
export function observeEventApplied(event: VoiceEvent): void {
  providerEventLag.observe({ type: event.type }, Math.max(0, Date.now() - event.at.getTime()) / 1000);
}
