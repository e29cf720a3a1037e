import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricReading } from '../../core/sla/evaluate.ts';
import type { OpenViolation } from '../../core/sla/violations.ts';
import type { AppliedTransition } from '../../store/repositories/sla-results.ts';
import type { CollectionSummary } from './collector.ts';

/** The SLA engine's gauges and counters: what the last collection measured and opened. */
export function createSlaMetrics(registry: Registry) {
  const perNode = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['node_id'], registers: [registry] });
  return {
    uptime: perNode(
      'vigil_sla_uptime_pct',
      'Share of time slices in the uptime window with evidence of life, per node',
    ),
    responseTime: perNode(
      'vigil_sla_response_time_ms',
      'Percentile (default p95) of recent outcome durations, per node',
    ),
    completion: perNode(
      'vigil_sla_completion_rate_pct',
      'Successful outcomes as a share of all outcomes in the window, per node',
    ),
    capacity: new Gauge({
      name: 'vigil_sla_capacity_availability_pct',
      help: 'Free parallel slots of live nodes as a share of all registered slots',
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
  for (const { evaluation: e } of readings) {
    if (e.value === null) continue;
    if (e.metric === 'capacity_availability_pct') m.capacity.set(e.value);
    else if (e.nodeId !== null) m[GAUGE_BY_METRIC[e.metric]].set({ node_id: e.nodeId }, e.value);
  }
  m.openViolations.reset();
  for (const v of open) m.openViolations.inc({ metric: v.metric, severity: v.severity });
  for (const { transition: t } of applied) {
    if (t.kind === 'opened') m.violationsTotal.inc({ metric: t.evaluation.metric, severity: t.severity });
  }
  m.collectionDuration.observe(summary.duration_ms / 1000);
}
