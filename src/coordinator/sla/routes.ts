import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Static, Type } from 'typebox';
import { METRIC_TYPES } from '../../core/sla/rules.ts';
import { toIso } from '../../core/time.ts';
import {
  type CapacitySnapshotRow,
  listCapacitySnapshots,
  listMetrics,
  listViolations,
  type MetricRow,
  readStatusCounts,
  type ViolationRow,
} from '../../store/repositories/sla-results.ts';
import type { Store } from '../../store/store.ts';
import { Hours, Limit, NodeId, StringEnum } from '../http/schemas.ts';
import type { SlaCollector } from './collector.ts';

const MetricTypeParam = StringEnum(METRIC_TYPES);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const MetricView = Type.Object({
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

const ViolationView = Type.Object({
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

const SnapshotView = Type.Object({
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
});

const metricView = (m: MetricRow) => ({
  ...m,
  is_violation: m.severity !== null,
  timestamp: toIso(m.timestamp),
  metadata: JSON.parse(m.metadata) as Record<string, unknown>,
});

const violationView = (v: ViolationRow) => ({
  ...v,
  created_at: toIso(v.created_at),
  updated_at: toIso(v.updated_at),
  resolved_at: v.resolved_at === null ? null : toIso(v.resolved_at),
  metadata: JSON.parse(v.metadata) as Record<string, unknown>,
});

const snapshotView = ({ metadata: _m, ...s }: CapacitySnapshotRow) => ({
  ...s,
  timestamp: toIso(s.timestamp),
});

/** Large listings keep the pool hub guide's bare-array shape and page with a Link header. */
function linkNext(reply: FastifyReply, url: string, cursor: string | undefined): void {
  if (cursor === undefined) return;
  const next = new URL(url, 'http://x');
  next.searchParams.set('cursor', cursor);
  reply.header('link', `<${next.pathname}${next.search}>; rel="next"`);
}

/** The pool hub guide's SLA endpoints, with node ids in place of miner ids. */
export interface SlaRouteDeps {
  store: Store;
  collector: SlaCollector;
  now: () => number;
}

export function slaRoutes(app: FastifyInstance, { store, collector, now }: SlaRouteDeps): void {
  const MetricsQuery = Type.Object(
    {
      hours: Type.Optional(Hours),
      metric_type: Type.Optional(MetricTypeParam),
      node_id: Type.Optional(NodeId),
      limit: Type.Optional(Limit(10_000, 1_000)),
      cursor: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  );
  const NodeParams = Type.Object({ node_id: NodeId });

  async function metrics(
    q: Static<typeof MetricsQuery>,
    nodeId: string | undefined,
    reply: FastifyReply,
    url: string,
  ) {
    const limit = q.limit ?? 1_000;
    const rows = await listMetrics(store.db, {
      since: now() - (q.hours ?? 24) * 3_600_000,
      limit,
      ...(nodeId === undefined ? {} : { nodeId }),
      ...(q.metric_type === undefined ? {} : { metricType: q.metric_type }),
      ...(q.cursor === undefined ? {} : { after: q.cursor }),
    });
    linkNext(reply, url, rows.length === limit ? rows.at(-1)?.id : undefined);
    return rows.map(metricView);
  }

  app.get(
    '/sla/metrics/:node_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary: 'A node’s SLA metrics over the last `hours`',
        params: NodeParams,
        querystring: MetricsQuery,
        response: { 200: Type.Array(MetricView) },
      },
    },
    async (request, reply) =>
      metrics(
        request.query as Static<typeof MetricsQuery>,
        (request.params as Static<typeof NodeParams>).node_id,
        reply,
        request.url,
      ),
  );

  app.get(
    '/sla/metrics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary: 'All SLA metrics over the last `hours`, oldest first, paginated (Link: rel="next")',
        querystring: MetricsQuery,
        response: { 200: Type.Array(MetricView) },
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof MetricsQuery>;
      return metrics(q, q.node_id, reply, request.url);
    },
  );

  const ViolationsQuery = Type.Object(
    {
      resolved: Type.Optional(Type.Boolean()),
      node_id: Type.Optional(NodeId),
      metric_type: Type.Optional(MetricTypeParam),
      severity: Type.Optional(StringEnum(['critical', 'high'])),
      limit: Type.Optional(Limit(10_000, 1_000)),
      cursor: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  );
  app.get(
    '/sla/violations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary: 'Violations, newest first: open ones with resolved=false',
        querystring: ViolationsQuery,
        response: { 200: Type.Array(ViolationView) },
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof ViolationsQuery>;
      const limit = q.limit ?? 1_000;
      const rows = await listViolations(store.db, {
        limit,
        ...(q.resolved === undefined ? {} : { resolved: q.resolved }),
        ...(q.node_id === undefined ? {} : { nodeId: q.node_id }),
        ...(q.metric_type === undefined ? {} : { metricType: q.metric_type }),
        ...(q.severity === undefined ? {} : { severity: q.severity }),
        ...(q.cursor === undefined ? {} : { after: q.cursor }),
      });
      linkNext(reply, request.url, rows.length === limit ? rows.at(-1)?.id : undefined);
      return rows.map(violationView);
    },
  );

  app.post(
    '/sla/metrics/collect',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['sla'],
        summary: 'Run one SLA collection now and return what it found',
        response: {
          200: Type.Object({
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
          }),
        },
      },
    },
    async () => {
      const s = await collector.collect();
      return {
        ...s,
        collected_at: toIso(s.collected_at),
        capacity: { ...s.capacity, active_nodes: s.capacity.live_nodes },
      };
    },
  );

  const SnapshotsQuery = Type.Object(
    { hours: Type.Optional(Hours), limit: Type.Optional(Limit(10_000, 1_000)) },
    { additionalProperties: false },
  );
  app.get(
    '/sla/capacity/snapshots',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary: 'Fleet capacity snapshots over the last `hours`, newest first',
        querystring: SnapshotsQuery,
        response: { 200: Type.Array(SnapshotView) },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof SnapshotsQuery>;
      const rows = await listCapacitySnapshots(
        store.db,
        now() - (q.hours ?? 24) * 3_600_000,
        q.limit ?? 1_000,
      );
      return rows.map(snapshotView);
    },
  );

  app.get(
    '/sla/status',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary:
          'Overall SLA health: critical when any critical violation is open, degraded when any is open',
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('critical')]),
            active_violations: Type.Integer(),
            active_violations_by_severity: Type.Record(Type.String(), Type.Integer()),
            recent_metrics_count: Type.Integer(),
            last_collection_at: Nullable(Type.String()),
            timestamp: Type.String(),
          }),
        },
      },
    },
    async () => {
      const at = now();
      const counts = await readStatusCounts(store.db, at - 3_600_000);
      const active = Object.values(counts.openBySeverity).reduce((a, b) => a + b, 0);
      return {
        status: (counts.openBySeverity.critical ?? 0) > 0 ? 'critical' : active > 0 ? 'degraded' : 'healthy',
        active_violations: active,
        active_violations_by_severity: counts.openBySeverity,
        recent_metrics_count: counts.recentMetrics,
        last_collection_at: counts.lastCollectionAt === null ? null : toIso(counts.lastCollectionAt),
        timestamp: toIso(at),
      };
    },
  );
}
