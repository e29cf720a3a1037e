import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SEVERITIES } from '../../config/schema.ts';
import type { MetricReading } from '../../core/sla/evaluate.ts';
import { METRIC_TYPES, type RuleSettings } from '../../core/sla/rules.ts';
import type { OpenViolation } from '../../core/sla/violations.ts';
import type { AppliedTransition } from '../../store/repositories/sla-results.ts';
import type { CollectionSummary } from './collector.ts';
import { EXPORTED_SLA_METRICS, exportedValue } from './exported.ts';

/**
 * The SLA engine's gauges and counters: what the last collection measured and opened, and
 * the thresholds it judged by. A figure not measured yet is absent, never 0: a gauge of 0 %
 * capacity after a restart would read as an outage (decision 0057).
 */
export function createSlaMetrics(registry: Registry, settings: RuleSettings) {
  const perNode = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['node_id'], registers: [registry] });
  const { uptime_pct, response_time_ms, completion_rate_pct, capacity_availability_pct } =
    EXPORTED_SLA_METRICS;
  const metrics = {
    uptime: perNode(
      uptime_pct.name,
      'Share of time slices in the uptime window with evidence of life, per node',
    ),
    responseTime: perNode(
      response_time_ms.name,
      'Percentile (default p95) of recent outcome durations in seconds, per node',
    ),
    completion: perNode(
      completion_rate_pct.name,
      'Successful outcomes as a share of all outcomes in the window, per node',
    ),
    capacity: new Gauge({
      name: capacity_availability_pct.name,
      help: 'Free parallel slots of live nodes as a share of all registered slots; absent until measured',
      registers: [registry],
    }),
    threshold: new Gauge({
      name: 'vigil_sla_threshold',
      help: "Where a reading takes this severity (factor x threshold, sla.thresholds and sla.severities), in the unit of the metric's gauge (response time in seconds); uptime, completion and capacity breach below it, response time above",
      labelNames: ['metric', 'severity'],
      registers: [registry],
    }),
    violationsTotal: new Counter({
      name: 'vigil_sla_violations_total',
      help: 'SLA violations opened, by metric and severity at opening',
      labelNames: ['metric', 'severity'],
      registers: [registry],
    }),
    openViolations: new Gauge({
      name: 'vigil_sla_open_violations',
      help: 'SLA violations open after the last collection, by metric and severity',
      labelNames: ['metric', 'severity'],
      registers: [registry],
    }),
    collectionDuration: new Histogram({
      name: 'vigil_sla_collection_duration_seconds',
      help: 'Duration of one SLA collection',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
  // A gauge without labels starts at 0; removing its one series leaves it absent until set.
  metrics.capacity.remove({});
  // Every label set exists from the start at 0, so `increase()` sees the first violation as
  // a step from 0 instead of a series born non-zero (which it cannot count).
  for (const metric of METRIC_TYPES) {
    for (const severity of SEVERITIES) {
      metrics.violationsTotal.inc({ metric, severity }, 0);
      metrics.openViolations.set({ metric, severity }, 0);
    }
    for (const band of settings.severities[metric]) {
      const bound = exportedValue(metric, band.factor * settings.thresholds[metric]);
      metrics.threshold.set({ metric, severity: band.severity }, bound);
    }
  }
  return metrics;
}

export type SlaMetrics = ReturnType<typeof createSlaMetrics>;

const GAUGE_BY_METRIC = {
  uptime_pct: 'uptime',
  response_time_ms: 'responseTime',
  completion_rate_pct: 'completion',
} as const;

/** Publishes one collection: per-node gauges are rebuilt so removed nodes and no-data readings disappear. */
export function publishCollection(
  m: SlaMetrics,
  readings: readonly MetricReading[],
  summary: CollectionSummary,
  open: readonly OpenViolation[],
  applied: readonly AppliedTransition[],
): void {
  m.uptime.reset();
  m.responseTime.reset();
  m.completion.reset();
  // A collection without a capacity reading (no registered slots) leaves it absent, not stale.
  m.capacity.remove({});
  for (const { evaluation: e } of readings) {
    if (e.value === null) continue;
    const value = exportedValue(e.metric, e.value);
    if (e.metric === 'capacity_availability_pct') m.capacity.set(value);
    else if (e.nodeId !== null) m[GAUGE_BY_METRIC[e.metric]].set({ node_id: e.nodeId }, value);
  }
  for (const metric of METRIC_TYPES) {
    for (const severity of SEVERITIES) m.openViolations.set({ metric, severity }, 0);
  }
  for (const v of open) m.openViolations.inc({ metric: v.metric, severity: v.severity });
  for (const { transition: t } of applied) {
    if (t.kind === 'opened') m.violationsTotal.inc({ metric: t.evaluation.metric, severity: t.severity });
  }
  m.collectionDuration.observe(summary.duration_ms / 1000);
}
