import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The coordinator's Prometheus registry, with Node's process metrics; each feature adds its
 * own metrics to it (sla/metrics.ts, epochs/metrics.ts, ...). A registry of its own, never
 * the global one, so two coordinators in one process (tests) do not share figures.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return registry;
}
