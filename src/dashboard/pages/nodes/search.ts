import { getJson, query } from '../../lib/api.ts';
import type { Block } from '../../lib/row-blocks.ts';

/** One row of `GET /search/nodes` (docs/api.md, Searching nodes). */
export interface NodeRow {
  node_id: string;
  operator: string | null;
  state: 'active' | 'deleted';
  live: boolean;
  last_heartbeat_at: string | null;
  metrics_at: string | null;
  uptime_pct: number | null;
  response_time_ms: number | null;
  completion_rate_pct: number | null;
  quality_score: number | null;
  open_violations: number;
  max_parallel: number;
  busy_slots: number | null;
}

export const SORT_KEYS = [
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
export type SortKey = (typeof SORT_KEYS)[number];

export interface NodeFilters {
  q: string;
  state: 'active' | 'deleted' | 'all';
  live: '' | 'true' | 'false';
  sort: SortKey;
  order: 'asc' | 'desc';
}

/** The filters as the fragment's query holds them, with defaults for what it leaves out. */
export function filtersOf(params: URLSearchParams): NodeFilters {
  const sort = params.get('sort');
  const state = params.get('state');
  const live = params.get('live');
  return {
    q: params.get('q') ?? '',
    state: state === 'deleted' || state === 'all' ? state : 'active',
    live: live === 'true' || live === 'false' ? live : '',
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : 'node_id',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
  };
}

/** One block of the filtered, sorted fleet: the server filters and sorts, the page only shows. */
export async function searchNodes(
  filters: NodeFilters,
  offset: number,
  limit: number,
): Promise<Block<NodeRow>> {
  const answer = await getJson<{ total: number; nodes: NodeRow[] }>(
    `/search/nodes${query({
      q: filters.q,
      state: filters.state === 'active' ? undefined : filters.state,
      live: filters.live,
      sort: filters.sort,
      order: filters.order,
      offset,
      limit,
    })}`,
  );
  return { total: answer.total, rows: answer.nodes };
}
