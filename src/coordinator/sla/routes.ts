import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Static, Type } from 'typebox';
import { METRIC_TYPES } from '../../core/sla/rules.ts';
import { parseTimestamp, toIso } from '../../core/time.ts';
import { listCapacitySnapshots, listMetrics, listViolations } from '../../store/repositories/sla-results.ts';
import type { Store } from '../../store/store.ts';
import { badRequest } from '../errors.ts';
import { Hours, Limit, NodeId, StringEnum, Timestamp } from '../http/schemas.ts';
import type { SlaCollector } from './collector.ts';
import { readSlaStatus } from './status.ts';
import {
  CollectionView,
  MetricView,
  metricView,
  SnapshotView,
  StatusView,
  snapshotView,
  ViolationView,
  violationView,
} from './views.ts';

const MetricTypeParam = StringEnum(METRIC_TYPES);

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

const ViolationsQuery = Type.Object(
  {
    resolved: Type.Optional(Type.Boolean()),
    node_id: Type.Optional(NodeId),
    metric_type: Type.Optional(MetricTypeParam),
    severity: Type.Optional(StringEnum(['critical', 'high'])),
    since: Type.Optional(Timestamp),
    until: Type.Optional(Timestamp),
    limit: Type.Optional(Limit(10_000, 1_000)),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const SnapshotsQuery = Type.Object(
  { hours: Type.Optional(Hours), limit: Type.Optional(Limit(10_000, 1_000)) },
  { additionalProperties: false },
);

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

export function slaRoutes(app: FastifyInstance, deps: SlaRouteDeps): void {
  metricsRoutes(app, deps);
  violationsRoute(app, deps);
  collectRoute(app, deps);
  snapshotsRoute(app, deps);
  statusRoute(app, deps);
}

/** `GET /sla/metrics/{node_id}` and `GET /sla/metrics`: one listing, by path or by query. */
function metricsRoutes(app: FastifyInstance, { store, now }: Pick<SlaRouteDeps, 'store' | 'now'>): void {
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
}

/** A time query parameter (RFC 3339 or epoch ms) as epoch ms; schema-valid text outside those is a 400. */
function instant(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimestamp(value);
  if (ms === null) throw badRequest(`${name} "${value}" is not an RFC 3339 time or epoch milliseconds`);
  return ms;
}

function violationsRoute(app: FastifyInstance, { store }: Pick<SlaRouteDeps, 'store'>): void {
  app.get(
    '/sla/violations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary:
          'Violations, newest first: open ones with resolved=false, opened in [since, until), paginated (Link: rel="next")',
        querystring: ViolationsQuery,
        response: { 200: Type.Array(ViolationView) },
      },
    },
    async (request, reply) => {
      const q = request.query as Static<typeof ViolationsQuery>;
      const since = instant('since', q.since);
      const until = instant('until', q.until);
      if (since !== undefined && until !== undefined && until < since)
        // As sent: epoch ms up to 2^53 − 1 are valid here but beyond what a Date can write.
        throw badRequest(`until (${String(q.until)}) is before since (${String(q.since)})`);
      const limit = q.limit ?? 1_000;
      const rows = await listViolations(store.db, {
        limit,
        ...(q.resolved === undefined ? {} : { resolved: q.resolved }),
        ...(q.node_id === undefined ? {} : { nodeId: q.node_id }),
        ...(q.metric_type === undefined ? {} : { metricType: q.metric_type }),
        ...(q.severity === undefined ? {} : { severity: q.severity }),
        ...(since === undefined ? {} : { createdSince: since }),
        ...(until === undefined ? {} : { createdUntil: until }),
        ...(q.cursor === undefined ? {} : { after: q.cursor }),
      });
      linkNext(reply, request.url, rows.length === limit ? rows.at(-1)?.id : undefined);
      return rows.map(violationView);
    },
  );
}

function collectRoute(app: FastifyInstance, { collector }: Pick<SlaRouteDeps, 'collector'>): void {
  app.post(
    '/sla/metrics/collect',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['sla'],
        summary: 'Run one SLA collection now and return what it found',
        response: { 200: CollectionView },
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
}

function snapshotsRoute(app: FastifyInstance, { store, now }: Pick<SlaRouteDeps, 'store' | 'now'>): void {
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
}

function statusRoute(app: FastifyInstance, { store, now }: Pick<SlaRouteDeps, 'store' | 'now'>): void {
  app.get(
    '/sla/status',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary:
          'Overall SLA health: critical when any critical violation is open, degraded when any is open',
        response: { 200: StatusView },
      },
    },
    async () => {
      const at = now();
      const status = await readSlaStatus(store.db, at);
      return {
        status: status.health,
        active_violations: status.active,
        active_violations_by_severity: status.openBySeverity,
        recent_metrics_count: status.recentMetrics,
        last_collection_at: status.lastCollectionAt === null ? null : toIso(status.lastCollectionAt),
        timestamp: toIso(at),
      };
    },
  );
}
