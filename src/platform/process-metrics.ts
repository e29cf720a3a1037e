import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's gauges of active handles, requests and resources that end in `_total`.
 * Prometheus reserves `_total` for counters (`promtool check metrics` rejects these), and each
 * one is only the sum of its per-type gauge beside it (`<prefix>nodejs_active_handles{type}`),
 * so they are dropped rather than renamed: `sum(vigil_nodejs_active_handles)` is the same
 * figure (decision 0057).
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/** Node's process metrics (CPU, memory, event loop, GC) under `prefix`, every name one Prometheus accepts. */
export function collectProcessMetrics(registry: Registry, prefix: string): void {
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(`${prefix}${name}`);
}
