import { afterEach, beforeEach, expect, it } from 'vitest';
import { qualityScore } from '../../src/coordinator/workers/quality.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import {
  NODE_SORT_KEYS,
  type NodeSearch,
  type NodeSearchRow,
  type NodeSortKey,
  searchNodes,
} from '../../src/store/repositories/node-search.ts';
import type { MetricType } from '../../src/store/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const T = Date.UTC(2026, 10, 1);
const LIVE_SINCE = T - 600_000;

interface Seed {
  id: string;
  operator?: string | null;
  state?: 'active' | 'deleted';
  heartbeat?: number;
  busy?: number;
  metrics?: Partial<Record<MetricType, number | null>>;
  quality?: [verified: number, failed: number];
  open?: MetricType[];
}

async function seed(store: Store, nodes: readonly Seed[]): Promise<void> {
  for (const n of nodes) {
    await store.db
      .insertInto('nodes')
      .values({
        node_id: n.id,
        public_key: null,
        endpoint: null,
        agent_url: null,
        operator: n.operator ?? null,
        topics: '[]',
        max_parallel: 4,
        state: n.state ?? 'active',
        registered_at: T - 86_400_000,
        updated_at: T - 86_400_000,
        deleted_at: n.state === 'deleted' ? T - 1000 : null,
      })
      .execute();
    if (n.heartbeat !== undefined) {
      await store.db
        .insertInto('node_status')
        .values({
          node_id: n.id,
          first_heartbeat_at: n.heartbeat - 60_000,
          last_heartbeat_at: n.heartbeat,
          busy_slots: n.busy ?? 0,
          queue_length: 0,
          version: null,
        })
        .execute();
    }
    for (const [metric, value] of Object.entries(n.metrics ?? {})) {
      await store.db
        .insertInto('sla_metrics')
        .values({
          id: uuidv7(T),
          node_id: n.id,
          metric_type: metric as MetricType,
          metric_value: value,
          threshold: 1,
          severity: null,
          timestamp: T,
          metadata: '{}',
        })
        .execute();
    }
    if (n.quality !== undefined) {
      await store.db
        .insertInto('node_quality')
        .values({ node_id: n.id, verified: n.quality[0], failed: n.quality[1], updated_at: T })
        .execute();
    }
    for (const metric of n.open ?? []) {
      await store.db
        .insertInto('sla_violations')
        .values({
          id: uuidv7(T),
          node_id: n.id,
          subject: n.id,
          violation_type: metric,
          severity: 'high',
          metric_value: 1,
          worst_value: 1,
          threshold: 2,
          created_at: T,
          updated_at: T,
          resolved_at: null,
          violation_duration_ms: null,
          metadata: '{}',
        })
        .execute();
    }
  }
}

describeEachBackend('node search', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  const search = (q: Partial<NodeSearch> = {}) =>
    searchNodes(store.db, store.capabilities, {
      state: 'active',
      liveSince: LIVE_SINCE,
      sort: 'node_id',
      order: 'asc',
      offset: 0,
      limit: 100,
      ...q,
    });
  const ids = (r: { rows: NodeSearchRow[] }) => r.rows.map((row) => row.node_id);

  it('answers every column of a node, with nulls where nothing was measured', async () => {
    await seed(store, [
      {
        id: 'a',
        operator: 'acme',
        heartbeat: T - 1000,
        busy: 2,
        metrics: { uptime_pct: 99.5, response_time_ms: 120, completion_rate_pct: null },
        quality: [8, 1],
        open: ['uptime_pct', 'response_time_ms'],
      },
      { id: 'b' },
    ]);
    const { total, rows } = await search();
    expect(total).toBe(2);
    expect(rows).toEqual([
      {
        node_id: 'a',
        operator: 'acme',
        state: 'active',
        max_parallel: 4,
        last_heartbeat_at: T - 1000,
        busy_slots: 2,
        live: 1,
        metrics_at: T,
        uptime_pct: 99.5,
        response_time_ms: 120,
        completion_rate_pct: null,
        verified: 8,
        failed: 1,
        open_violations: 2,
      },
      {
        node_id: 'b',
        operator: null,
        state: 'active',
        max_parallel: 4,
        last_heartbeat_at: null,
        busy_slots: null,
        live: 0,
        metrics_at: null,
        uptime_pct: null,
        response_time_ms: null,
        completion_rate_pct: null,
        verified: 0,
        failed: 0,
        open_violations: 0,
      },
    ]);
  });

  it('takes each metric from the latest collection, one row even where two share an instant', async () => {
    await seed(store, [{ id: 'a' }]);
    const reading = (timestamp: number, value: number) => ({
      id: uuidv7(timestamp),
      node_id: 'a',
      metric_type: 'uptime_pct' as const,
      metric_value: value,
      threshold: 95,
      severity: null,
      timestamp,
      metadata: '{}',
    });
    await store.db
      .insertInto('sla_metrics')
      .values([reading(T - 300_000, 50), reading(T, 60)])
      .execute();
    expect((await search({ sort: 'uptime' })).rows[0]).toMatchObject({ uptime_pct: 60, metrics_at: T });
    // Two collections at one instant (a test's fixed clock) leave two rows: one of them, no error.
    await store.db.insertInto('sla_metrics').values(reading(T, 70)).execute();
    const [row] = (await search({ sort: 'uptime' })).rows;
    expect([60, 70]).toContain(row?.uptime_pct);
  });

  it('sorts a node missing from the latest collection by its own latest reading', async () => {
    await seed(store, [{ id: 'a', metrics: { uptime_pct: 50 } }, { id: 'b', state: 'deleted' }, { id: 'c' }]);
    // b was deregistered before the latest collection (at T): its readings are older.
    await store.db
      .insertInto('sla_metrics')
      .values(
        [30, 70].map((value, i) => ({
          id: uuidv7(T - 600_000 + i * 300_000),
          node_id: 'b',
          metric_type: 'uptime_pct' as const,
          metric_value: value,
          threshold: 95,
          severity: null,
          timestamp: T - 600_000 + i * 300_000,
          metadata: '{}',
        })),
      )
      .execute();
    const asc = await search({ state: 'all', sort: 'uptime' });
    expect(ids(asc)).toEqual(['a', 'b', 'c']);
    expect(asc.rows[1]).toMatchObject({ uptime_pct: 70, metrics_at: T - 300_000 });
    expect(ids(await search({ state: 'all', sort: 'uptime', order: 'desc' }))).toEqual(['b', 'a', 'c']);
  });

  it('sorts by every column both ways, nulls last either way, ties by node id', async () => {
    await seed(store, [
      {
        id: 'n1',
        operator: 'b',
        heartbeat: T,
        metrics: { uptime_pct: 90 },
        quality: [2, 0],
        open: ['uptime_pct'],
      },
      {
        id: 'n2',
        operator: 'a',
        heartbeat: T - 3_600_000,
        metrics: { uptime_pct: 99, response_time_ms: 50 },
      },
      { id: 'n3', operator: null, metrics: { uptime_pct: null, completion_rate_pct: 80 }, quality: [4, 4] },
      { id: 'n4', operator: 'a', heartbeat: T, metrics: { uptime_pct: 90, response_time_ms: 900 } },
      { id: 'n5', state: 'deleted', operator: 'c', heartbeat: T, metrics: { uptime_pct: 10 } },
    ]);
    const orders: Record<NodeSortKey, [asc: string[], desc: string[]]> = {
      node_id: [
        ['n1', 'n2', 'n3', 'n4', 'n5'],
        ['n5', 'n4', 'n3', 'n2', 'n1'],
      ],
      operator: [
        ['n2', 'n4', 'n1', 'n5', 'n3'],
        ['n5', 'n1', 'n2', 'n4', 'n3'],
      ],
      state: [
        ['n1', 'n2', 'n3', 'n4', 'n5'],
        ['n5', 'n1', 'n2', 'n3', 'n4'],
      ],
      live: [
        ['n2', 'n3', 'n5', 'n1', 'n4'],
        ['n1', 'n4', 'n2', 'n3', 'n5'],
      ],
      uptime: [
        ['n5', 'n1', 'n4', 'n2', 'n3'],
        ['n2', 'n1', 'n4', 'n5', 'n3'],
      ],
      response_time: [
        ['n2', 'n4', 'n1', 'n3', 'n5'],
        ['n4', 'n2', 'n1', 'n3', 'n5'],
      ],
      completion_rate: [
        ['n3', 'n1', 'n2', 'n4', 'n5'],
        ['n3', 'n1', 'n2', 'n4', 'n5'],
      ],
      quality_score: [
        ['n3', 'n1', 'n2', 'n4', 'n5'],
        ['n1', 'n3', 'n2', 'n4', 'n5'],
      ],
      open_violations: [
        ['n2', 'n3', 'n4', 'n5', 'n1'],
        ['n1', 'n2', 'n3', 'n4', 'n5'],
      ],
      last_heartbeat_at: [
        ['n2', 'n1', 'n4', 'n5', 'n3'],
        ['n1', 'n4', 'n5', 'n2', 'n3'],
      ],
    };
    expect(Object.keys(orders).sort()).toEqual([...NODE_SORT_KEYS].sort());
    for (const sort of NODE_SORT_KEYS) {
      const [asc, desc] = orders[sort];
      expect(ids(await search({ state: 'all', sort, order: 'asc' })), `${sort} asc`).toEqual(asc);
      expect(ids(await search({ state: 'all', sort, order: 'desc' })), `${sort} desc`).toEqual(desc);
    }
  });

  it('orders by quality as coordinator/workers/quality.ts scores it', async () => {
    const counters: Array<[number, number]> = [];
    for (let verified = 0; verified <= 12; verified++)
      for (let failed = 0; failed <= verified; failed += 3) counters.push([verified, failed]);
    await seed(
      store,
      counters.map((quality, i) => ({ id: `q${String(i).padStart(3, '0')}`, quality })),
    );
    for (const order of ['asc', 'desc'] as const) {
      const { rows } = await search({ sort: 'quality_score', order, limit: 500 });
      const scores = rows.map((r) => qualityScore(r));
      const measured = scores.filter((s): s is number => s !== null);
      const sorted = [...measured].sort((a, b) => (order === 'asc' ? a - b : b - a));
      expect(measured).toEqual(sorted);
      expect(scores.slice(measured.length).every((s) => s === null)).toBe(true);
    }
  });

  it('filters by a substring of id or operator with A–Z folded, %, _ and \\ taken literally', async () => {
    await seed(store, [
      { id: 'Node-Alpha', operator: 'ACME' },
      { id: 'node-beta', operator: 'globex' },
      { id: 'x_1', operator: '50%off' },
      { id: 'x-1', operator: 'back\\slash' },
      { id: 'gamma', operator: 'Über' },
    ]);
    expect(ids(await search({ q: 'node' }))).toEqual(['Node-Alpha', 'node-beta']);
    expect(ids(await search({ q: 'acm' }))).toEqual(['Node-Alpha']);
    expect(ids(await search({ q: 'GLOBEX' }))).toEqual(['node-beta']);
    expect(ids(await search({ q: '_' }))).toEqual(['x_1']);
    expect(ids(await search({ q: '%' }))).toEqual(['x_1']);
    expect(ids(await search({ q: '\\' }))).toEqual(['x-1']);
    expect(ids(await search({ q: '' }))).toHaveLength(5);
    // Only A–Z fold, on every store: Ü matches Ü and not ü.
    expect(ids(await search({ q: 'Über' }))).toEqual(['gamma']);
    expect(ids(await search({ q: 'über' }))).toEqual([]);
  });

  it('filters by state, operator and liveness, and counts what matches', async () => {
    await seed(store, [
      { id: 'a', operator: 'acme', heartbeat: T },
      { id: 'b', operator: 'acme', heartbeat: T - 3_600_000 },
      { id: 'c', operator: 'globex' },
      { id: 'd', operator: 'acme', state: 'deleted', heartbeat: T },
    ]);
    expect(ids(await search())).toEqual(['a', 'b', 'c']);
    expect(ids(await search({ state: 'deleted' }))).toEqual(['d']);
    expect(ids(await search({ state: 'all' }))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(await search({ operator: 'acme' }))).toEqual(['a', 'b']);
    expect(ids(await search({ live: true }))).toEqual(['a']);
    // A deregistered node is never live, whatever its last heartbeat.
    expect(ids(await search({ live: false, state: 'all' }))).toEqual(['b', 'c', 'd']);
    expect((await search({ operator: 'acme', state: 'all' })).total).toBe(3);
  });

  it('pages by offset and limit, with the total of every page', async () => {
    await seed(
      store,
      Array.from({ length: 12 }, (_, i) => ({ id: `n${String(i).padStart(2, '0')}` })),
    );
    const page = await search({ offset: 5, limit: 4, order: 'desc' });
    expect(page.total).toBe(12);
    expect(ids(page)).toEqual(['n06', 'n05', 'n04', 'n03']);
    const last = await search({ offset: 10, limit: 4 });
    expect(ids(last)).toEqual(['n10', 'n11']);
    expect(await search({ offset: 12 })).toEqual({ total: 12, rows: [] });
    expect(await search({ offset: 1_000_000_000 })).toEqual({ total: 12, rows: [] });
  });
});
