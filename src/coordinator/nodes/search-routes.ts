import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import { NODE_SORT_KEYS, type NodeSearchRow, searchNodes } from '../../store/repositories/node-search.ts';
import type { Store } from '../../store/store.ts';
import { Iso, Nullable, StringEnum } from '../http/schemas.ts';
import { qualityScore } from '../workers/quality.ts';

/** Most rows one search answers: a screenful of a virtualized table, several times over. */
const MAX_LIMIT = 500;

const SearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'Part of the node id or the operator; A–Z match a–z. Empty matches every node',
      }),
    ),
    state: Type.Optional(StringEnum(['active', 'deleted', 'all'], 'Registered state; default active')),
    operator: Type.Optional(Type.String({ maxLength: 128, description: 'Exactly this operator' })),
    live: Type.Optional(Type.Boolean({ description: 'Only live (true) or only not-live (false) nodes' })),
    sort: Type.Optional(StringEnum(NODE_SORT_KEYS, 'Column to order by; default node_id')),
    order: Type.Optional(StringEnum(['asc', 'desc'], 'Default asc; nulls come last either way')),
    offset: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0, description: 'Rows to skip' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 })),
  },
  { additionalProperties: false },
);

const Reading = (description: string) => Nullable(Type.Number({ description }));

const SearchRow = Type.Object({
  node_id: Type.String(),
  operator: Nullable(Type.String()),
  state: StringEnum(['active', 'deleted']),
  live: Type.Boolean(),
  last_heartbeat_at: Iso,
  metrics_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the SLA collector last stored a reading of the node; null if never',
  }),
  uptime_pct: Reading('Latest uptime reading, %; null when never measured or no evidence in the window'),
  response_time_ms: Reading('Latest response time (sla.response_time_percentile, p95 by default), ms'),
  completion_rate_pct: Reading('Latest completion rate, %; null without outcomes in the window'),
  quality_score: Reading('(verified − failed + 1) / (verified + 2); null before any verdict'),
  open_violations: Type.Integer({ minimum: 0 }),
  max_parallel: Type.Integer(),
  busy_slots: Nullable(Type.Integer()),
});

const SearchView = Type.Object({
  total: Type.Integer({ minimum: 0, description: 'Nodes matching the filters, over all pages' }),
  offset: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 1 }),
  nodes: Type.Array(SearchRow),
});

function searchRow(r: NodeSearchRow) {
  return {
    node_id: r.node_id,
    operator: r.operator,
    state: r.state,
    live: r.live === 1,
    last_heartbeat_at: r.last_heartbeat_at === null ? null : toIso(r.last_heartbeat_at),
    metrics_at: r.metrics_at === null ? null : toIso(r.metrics_at),
    uptime_pct: r.uptime_pct,
    response_time_ms: r.response_time_ms,
    completion_rate_pct: r.completion_rate_pct,
    quality_score: qualityScore({ verified: r.verified, failed: r.failed }),
    open_violations: r.open_violations,
    max_parallel: r.max_parallel,
    busy_slots: r.busy_slots,
  };
}

export interface NodeSearchDeps {
  store: Store;
  /** Nodes whose last heartbeat is at or after this are live. */
  liveSince(): number;
}

/**
 * `GET /search/nodes`: the fleet as a table, filtered, sorted by any column and read by offset,
 * for a virtualized view that asks for rows by index as it scrolls (decision 0075).
 */
export function nodeSearchRoute(app: FastifyInstance, { store, liveSince }: NodeSearchDeps): void {
  app.get(
    '/search/nodes',
    {
      config: { access: 'read' },
      schema: {
        tags: ['nodes'],
        summary: 'Nodes with their latest SLA readings, filtered, sorted by any column, by offset',
        querystring: SearchQuery,
        response: { 200: SearchView },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof SearchQuery>;
      const offset = q.offset ?? 0;
      const limit = q.limit ?? 100;
      const { total, rows } = await searchNodes(store.db, store.capabilities, {
        ...(q.q === undefined ? {} : { q: q.q }),
        ...(q.operator === undefined ? {} : { operator: q.operator }),
        ...(q.live === undefined ? {} : { live: q.live }),
        state: q.state ?? 'active',
        liveSince: liveSince(),
        sort: q.sort ?? 'node_id',
        order: q.order ?? 'asc',
        offset,
        limit,
      });
      return { total, offset, limit, nodes: rows.map(searchRow) };
    },
  );
}
