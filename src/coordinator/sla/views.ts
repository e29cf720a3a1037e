import { Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import type { CapacitySnapshotRow, MetricRow, ViolationRow } from '../../store/repositories/sla-results.ts';
import { Nullable } from '../http/schemas.ts';

/** How the SLA endpoints show metrics, violations, collections and snapshots (the pool hub guide's shapes). */
export const MetricView = Type.Object({
  id: Type.String(),
  node_id: Nullable(Type.String()),
  metric_type: Type.String(),
  metric_value: Nullable(Type.Number()),
  threshold: Type.Number(),
  is_violation: Type.Boolean(),
  severity: Nullable(Type.String()),
  timestamp: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});

export const ViolationView = Type.Object({
  id: Type.String(),
  node_id: Nullable(Type.String()),
  subject: Type.String(),
  violation_type: Type.String(),
  severity: Type.String(),
  metric_value: Type.Number(),
  worst_value: Type.Number(),
  threshold: Type.Number(),
  created_at: Type.String(),
  updated_at: Type.String(),
  resolved_at: Nullable(Type.String()),
  violation_duration_ms: Nullable(Type.Integer()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});

export const SnapshotView = Type.Object({
  id: Type.String(),
  timestamp: Type.String(),
  total_nodes: Type.Integer(),
  live_nodes: Type.Integer(),
  total_parallel_capacity: Type.Integer(),
  live_parallel_capacity: Type.Integer(),
  busy_slots: Type.Integer(),
  free_slots: Type.Integer(),
  total_queue_length: Type.Integer(),
  capacity_utilization_pct: Nullable(Type.Number()),
  capacity_availability_pct: Nullable(Type.Number()),
  forecast_capacity: Nullable(
    Type.Integer({ description: 'Slots the fleet’s forecast needs by its horizon; null without a forecast' }),
  ),
  recommended_scaling: Nullable(Type.String({ description: '+25%, -10%, none or +N slots' })),
  scaling_reason: Nullable(Type.String()),
});

export const CollectionView = Type.Object({
  collected_at: Type.String(),
  nodes_processed: Type.Integer(),
  metrics_collected: Type.Integer(),
  violations_detected: Type.Integer(),
  violations_opened: Type.Integer(),
  violations_escalated: Type.Integer(),
  violations_resolved: Type.Integer(),
  open_violations: Type.Integer(),
  duration_ms: Type.Integer(),
  capacity: Type.Object({
    total_nodes: Type.Integer(),
    active_nodes: Type.Integer(),
    capacity_availability_pct: Nullable(Type.Number()),
    capacity_utilization_pct: Nullable(Type.Number()),
    total_parallel_capacity: Type.Integer(),
    free_slots: Type.Integer(),
    total_queue_length: Type.Integer(),
  }),
});

export const StatusView = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('critical')]),
  active_violations: Type.Integer(),
  active_violations_by_severity: Type.Record(Type.String(), Type.Integer()),
  recent_metrics_count: Type.Integer(),
  last_collection_at: Nullable(Type.String()),
  timestamp: Type.String(),
});

export const metricView = (m: MetricRow) => ({
  ...m,
  is_violation: m.severity !== null,
  timestamp: toIso(m.timestamp),
  metadata: JSON.parse(m.metadata) as Record<string, unknown>,
});

export const violationView = (v: ViolationRow) => ({
  ...v,
  created_at: toIso(v.created_at),
  updated_at: toIso(v.updated_at),
  resolved_at: v.resolved_at === null ? null : toIso(v.resolved_at),
  metadata: JSON.parse(v.metadata) as Record<string, unknown>,
});

export const snapshotView = ({ metadata: _m, ...s }: CapacitySnapshotRow) => ({
  ...s,
  timestamp: toIso(s.timestamp),
});
