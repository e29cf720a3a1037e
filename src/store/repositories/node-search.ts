import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db, StoreCapabilities } from '../capabilities.ts';
import type { Database, MetricType, NodeState } from '../schema.ts';

/** The columns a node search sorts by. */
export const NODE_SORT_KEYS = [
  'node_id',
  'operator',
  'state',
  'live',
  'uptime',
  'response_time',
  'completion_rate',
  'quality_score',
  'open_violations',
  'last_heartbeat_at',
] as const;
export type NodeSortKey = (typeof NODE_SORT_KEYS)[number];

export interface NodeSearch {
  /** A substring of the node id or the operator, compared with A–Z folded to a–z. */
  q?: string;
  state: NodeState | 'all';
  operator?: string;
  /** Only live (true) or only not-live (false) nodes. */
  live?: boolean;
  /** A node is live when it is active and its last heartbeat is at or after this time. */
  liveSince: number;
  sort: NodeSortKey;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** One node of a search: its registration, status, latest SLA readings and verdict counters. */
export interface NodeSearchRow {
  node_id: string;
  operator: string | null;
  state: NodeState;
  max_parallel: number;
  last_heartbeat_at: number | null;
  busy_slots: number | null;
  live: number;
  /** When the collector last stored a reading of this node; null if it never did. */
  metrics_at: number | null;
  uptime_pct: number | null;
  response_time_ms: number | null;
  completion_rate_pct: number | null;
  verified: number;
  failed: number;
  open_violations: number;
}

type Scope = ExpressionBuilder<Database & { n: Database['nodes']; s: Database['node_status'] }, 'n' | 's'>;

/**
 * The latest reading of one metric of the node `alias` names, as the collector stored it: one
 * backward step on ix_sla_metrics_node_timestamp. (Two readings of one instant, from two
 * collections under a test's fixed clock, are equally latest: either may be answered.)
 */
function latestReading(metric: MetricType, alias = 'n'): RawBuilder<number | null> {
  return sql<number | null>`(select m.metric_value from sla_metrics m
    where m.node_id = ${sql.ref(`${alias}.node_id`)} and m.metric_type = ${metric}
    order by m.timestamp desc limit 1)`;
}

const metricsAt = sql<number | null>`(select m.timestamp from sla_metrics m
  where m.node_id = n.node_id order by m.timestamp desc limit 1)`;

/**
 * `(verified − failed + 1) / (verified + 2)`, null before any verdict: the score of
 * coordinator/workers/quality.ts, in SQL only to order by. The page's scores are computed by
 * that function from the counters; test/store/node-search.test.ts holds the two to one order.
 */
const qualityScore = sql<number | null>`(case when nq.verified is null or nq.verified = 0 then null
  else cast(nq.verified - nq.failed + 1 as double precision) / (nq.verified + 2) end)`;

function liveExpr(since: number): RawBuilder<number> {
  return sql<number>`(case when n.state = 'active' and s.last_heartbeat_at >= ${since} then 1 else 0 end)`;
}

const METRIC_OF_SORT = {
  uptime: 'uptime_pct',
  response_time: 'response_time_ms',
  completion_rate: 'completion_rate_pct',
} as const satisfies Partial<Record<NodeSortKey, MetricType>>;

/** When the collector last wrote: the latest collection. */
const lastCollectionAt = sql<number | null>`(select max(t.timestamp) from sla_metrics t)`;

/**
 * Each node's reading of `metric` in the latest collection, by the timestamp index: every
 * node the collector evaluated last time has its latest readings there, so one range read
 * serves the fleet instead of a lookup per node.
 */
function lastCollection(db: Db, metric: MetricType) {
  return db
    .selectFrom('sla_metrics as lm')
    .select(['lm.node_id', (eb) => eb.fn.max('lm.metric_value').as('value')])
    .where('lm.metric_type', '=', metric)
    .where('lm.timestamp', '=', lastCollectionAt)
    .groupBy('lm.node_id');
}

/**
 * The latest reading of `metric` of the nodes that may be missing from the latest collection
 * with readings from before it: those deregistered, and those registered again or changed
 * since it (a registration racing a collection's read of the fleet can slip past both, for one
 * collection; it has no readings, unless it was a re-registration). A lookup per such node.
 */
function olderReadings(db: Db, metric: MetricType) {
  return db
    .selectFrom('nodes as d')
    .select(['d.node_id', latestReading(metric, 'd').as('value')])
    .where((eb) => eb.or([eb('d.state', '=', 'deleted'), eb('d.updated_at', '>', lastCollectionAt)]));
}

/** Open violations per node, from the open rows alone. */
function openPerNode(db: Db) {
  return db
    .selectFrom('sla_violations as v')
    .select(['v.node_id', (eb) => eb.fn.countAll<number>().as('open')])
    .where('v.resolved_at', 'is', null)
    .groupBy('v.node_id');
}

/**
 * The value a node is ordered by. A metric comes from the latest collection when the node was
 * in it (`lc`), else from its own latest reading (`od`), null if it has none. (Joins, not a
 * lookup per row: PostgreSQL costs a per-row subquery for every node and then spends longer
 * compiling the query with JIT than running it.)
 */
function sortExpression(key: NodeSortKey, since: number): RawBuilder<unknown> {
  switch (key) {
    case 'node_id':
      return sql.ref('n.node_id');
    case 'operator':
      return sql.ref('n.operator');
    case 'state':
      return sql.ref('n.state');
    case 'live':
      return liveExpr(since);
    case 'uptime':
    case 'response_time':
    case 'completion_rate':
      return sql`(case when lc.node_id is not null then lc.value else od.value end)`;
    case 'quality_score':
      return qualityScore;
    case 'open_violations':
      return sql`coalesce(ov.open, 0)`;
    case 'last_heartbeat_at':
      return sql.ref('s.last_heartbeat_at');
  }
}

/** `value` with A–Z folded to a–z and nothing else changed, alike on every store. */
function foldAscii(caps: StoreCapabilities, value: Expression<string | null>): Expression<string | null> {
  return caps.lowerFoldsOnlyAscii
    ? sql<string | null>`lower(${value})`
    : sql<string | null>`lower(${value} collate "C")`;
}

/** A LIKE pattern matching `text` anywhere, its own `%`, `_` and `\` taken literally. */
function containsPattern(text: string): string {
  const folded = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filtered(db: Db, caps: StoreCapabilities, q: NodeSearch) {
  return db
    .selectFrom('nodes as n')
    .leftJoin('node_status as s', 's.node_id', 'n.node_id')
    .where((eb: Scope) => {
      const conditions: Expression<SqlBool>[] = [];
      if (q.state !== 'all') conditions.push(eb('n.state', '=', q.state));
      if (q.operator !== undefined) conditions.push(eb('n.operator', '=', q.operator));
      if (q.live !== undefined) {
        conditions.push(eb(liveExpr(q.liveSince), '=', q.live ? 1 : 0));
      }
      if (q.q !== undefined && q.q !== '') {
        const pattern = containsPattern(q.q);
        const like = (column: 'n.node_id' | 'n.operator') =>
          sql<SqlBool>`${foldAscii(caps, sql.ref(column))} like ${pattern} escape '\\'`;
        conditions.push(eb.or([like('n.node_id'), like('n.operator')]));
      }
      return eb.and(conditions);
    });
}

/**
 * One page of nodes by any column, with the number that match. Nulls sort last both ways and
 * ties go by node id. The sort column is computed for every matching node, everything else
 * for the page alone.
 */
export async function searchNodes(
  db: Db,
  caps: StoreCapabilities,
  q: NodeSearch,
): Promise<{ total: number; rows: NodeSearchRow[] }> {
  const counted = await filtered(db, caps, q)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  if (q.offset >= total) return { total, rows: [] };

  const metric = q.sort in METRIC_OF_SORT ? METRIC_OF_SORT[q.sort as keyof typeof METRIC_OF_SORT] : null;
  const page = filtered(db, caps, q)
    .$if(metric !== null, (qb) =>
      qb
        .leftJoin(lastCollection(db, metric as MetricType).as('lc'), 'lc.node_id', 'n.node_id')
        .leftJoin(olderReadings(db, metric as MetricType).as('od'), 'od.node_id', 'n.node_id'),
    )
    .$if(q.sort === 'open_violations', (qb) =>
      qb.leftJoin(openPerNode(db).as('ov'), 'ov.node_id', 'n.node_id'),
    )
    .$if(q.sort === 'quality_score', (qb) => qb.leftJoin('node_quality as nq', 'nq.node_id', 'n.node_id'))
    .select(['n.node_id', sortExpression(q.sort, q.liveSince).as('sort_value')])
    .orderBy('sort_value', (ob) => (q.order === 'asc' ? ob.asc() : ob.desc()).nullsLast())
    .orderBy('n.node_id')
    .limit(q.limit)
    .offset(q.offset);

  const rows: NodeSearchRow[] = await db
    .with('page', () => page)
    .selectFrom('page')
    .innerJoin('nodes as n', 'n.node_id', 'page.node_id')
    .leftJoin('node_status as s', 's.node_id', 'n.node_id')
    .leftJoin('node_quality as nq', 'nq.node_id', 'n.node_id')
    // Joined, not counted per row: PostgreSQL counts a node's open violations by reading
    // every open one through the partial unique index.
    .leftJoin(openPerNode(db).as('ov'), 'ov.node_id', 'n.node_id')
    .select([
      'n.node_id',
      'n.operator',
      'n.state',
      'n.max_parallel',
      's.last_heartbeat_at',
      's.busy_slots',
      liveExpr(q.liveSince).as('live'),
      metricsAt.as('metrics_at'),
      latestReading('uptime_pct').as('uptime_pct'),
      latestReading('response_time_ms').as('response_time_ms'),
      latestReading('completion_rate_pct').as('completion_rate_pct'),
      sql<number>`coalesce(nq.verified, 0)`.as('verified'),
      sql<number>`coalesce(nq.failed, 0)`.as('failed'),
      sql<number>`coalesce(ov.open, 0)`.as('open_violations'),
    ])
    .orderBy('page.sort_value', (ob) => (q.order === 'asc' ? ob.asc() : ob.desc()).nullsLast())
    .orderBy('n.node_id')
    .execute();
  return { total, rows };
}
