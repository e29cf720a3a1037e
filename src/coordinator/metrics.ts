import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricReading } from '../core/sla/evaluate.ts';
import type { OpenViolation } from '../core/sla/violations.ts';
import type { AppliedTransition } from '../store/repositories/sla-results.ts';
import type { CollectionSummary } from './sla/collector.ts';

/** The coordinator's Prometheus metrics, on a registry of its own (no global state). */
export function createCoordinatorMetrics(registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  const perNode = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['node_id'], registers: [registry] });
  const m = {
    registry,
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
    httpDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    heartbeats: new Counter({
      name: 'vigil_heartbeats_total',
      help: 'Heartbeats received, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'vigil_outcomes_total',
      help: 'Job outcomes received, by result (accepted, duplicate)',
      labelNames: ['result'],
      registers: [registry],
    }),
    epochCurrent: new Gauge({
      name: 'vigil_epoch_current',
      help: 'The epoch in progress on the coordinator’s clock (absent before genesis)',
      registers: [registry],
    }),
    epochReports: new Counter({
      name: 'vigil_epoch_reports_total',
      help: 'Signed epoch reports submitted, by result (accepted, duplicate, refused)',
      labelNames: ['result'],
      registers: [registry],
    }),
    epochReportsAccepted: new Gauge({
      name: 'vigil_epoch_reports_accepted',
      help: 'Reports stored for an epoch, for the epochs in their report window and the last settled one',
      labelNames: ['epoch'],
      registers: [registry],
    }),
    settlements: new Counter({
      name: 'vigil_epoch_settlements_total',
      help: 'Epoch settlements written and signed',
      registers: [registry],
    }),
    lastSettledEpoch: new Gauge({
      name: 'vigil_epoch_last_settled',
      help: 'The latest epoch this coordinator settled',
      registers: [registry],
    }),
    signedRequestsRefused: new Counter({
      name: 'vigil_signed_requests_refused_total',
      help: 'Node-signed requests refused, by reason (the problem slug)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    interimProbes: new Counter({
      name: 'vigil_interim_probes_total',
      help: 'Peer probe verdicts received in interim summaries',
      registers: [registry],
    }),
  };
  return m;
}

export type CoordinatorMetrics = ReturnType<typeof createCoordinatorMetrics>;

const GAUGE_BY_METRIC = {
  uptime_pct: 'uptime',
  response_time_ms: 'responseTime',
  completion_rate_pct: 'completion',
} as const;

/** Publishes one collection: per-node gauges are rebuilt so removed nodes and no-data readings disappear. */
export function publishCollection(
  m: CoordinatorMetrics,
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
