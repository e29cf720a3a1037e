import { Registry } from 'prom-client';
import { collectProcessMetrics } from '../platform/process-metrics.ts';

/**
 * The coordinator's Prometheus registry, with Node's process metrics; each feature adds its
 * own metrics to it (sla/metrics.ts, epochs/metrics.ts, ...). A registry of its own, never
 * the global one, so two coordinators in one process (tests) do not share figures.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectProcessMetrics(registry, 'vigil_');
  return registry;
}
