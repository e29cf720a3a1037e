import { expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  collect,
  expectProblem,
  get,
  liveMinutes,
  type MetricJson,
  type OutcomeBody,
  postOutcomes,
  registerAll,
  useApi,
} from './support.ts';

interface SearchJson {
  total: number;
  offset: number;
  limit: number;
  nodes: Array<Record<string, unknown> & { node_id: string }>;
}

const search = async (api: TestApi, query = '', role: Parameters<typeof get>[2] = 'read') => {
  const res = await get(api, `/search/nodes${query === '' ? '' : `?${query}`}`, role);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SearchJson;
};

function outcomes(nodeId: string, durationMs: number, failures: number, now: number): OutcomeBody[] {
  return Array.from({ length: 4 }, (_, i) => ({
    job_id: `${nodeId}-${i}`,
    node_id: nodeId,
    topic: 'hash',
    status: i < failures ? 'failure' : 'success',
    started_at: now - 60_000 - durationMs,
    finished_at: now - 60_000,
  }));
}

describeEachBackend('API: GET /search/nodes', (backend) => {
  const api = useApi(backend, (c) => {
    c.sla.slice_s = 60;
    c.sla.uptime_window_s = 3_600;
  });

  it('answers each node with the readings the collector stored, and nulls where none', async () => {
    await registerAll(
      api(),
      { node_id: 'fast', operator: 'acme', max_parallel: 4 },
      { node_id: 'slow', operator: 'globex', max_parallel: 2 },
    );
    await liveMinutes(api(), 30, ['fast', 'slow'], (id) => ({
      busy_slots: id === 'fast' ? 3 : 0,
      queue_length: 0,
    }));
    await liveMinutes(api(), 30, ['fast']);
    const now = api().clock.now;
    await postOutcomes(api(), [...outcomes('fast', 100, 0, now), ...outcomes('slow', 3_000, 2, now)]);
    await collect(api());
    await registerAll(api(), { node_id: 'new', max_parallel: 1 });

    const body = await search(api(), 'sort=response_time&order=desc');
    expect(body).toMatchObject({ total: 3, offset: 0, limit: 100 });
    expect(body.nodes.map((n) => n.node_id)).toEqual(['slow', 'fast', 'new']);
    const at = new Date(now).toISOString();
    expect(body.nodes[2]).toEqual({
      node_id: 'new',
      operator: null,
      state: 'active',
      live: false,
      last_heartbeat_at: null,
      metrics_at: null,
      uptime_pct: null,
      response_time_ms: null,
      completion_rate_pct: null,
      quality_score: null,
      open_violations: 0,
      max_parallel: 1,
      busy_slots: null,
    });
    const slow = body.nodes[0]!;
    expect(slow).toMatchObject({
      operator: 'globex',
      live: false,
      metrics_at: at,
      max_parallel: 2,
      busy_slots: 0,
    });
    // Exactly what GET /sla/metrics/{node} says the collector stored.
    const stored = (await get(api(), '/sla/metrics/slow?hours=1')).json() as MetricJson[];
    const value = (type: string) => stored.find((m) => m.metric_type === type)?.metric_value;
    expect(slow['uptime_pct']).toBe(value('uptime_pct'));
    expect(slow['response_time_ms']).toBe(3_000);
    expect(slow['completion_rate_pct']).toBe(50);
    expect(slow['open_violations']).toBe(3);
    expect(body.nodes[1]).toMatchObject({
      live: true,
      uptime_pct: 100,
      completion_rate_pct: 100,
      busy_slots: 0,
    });
  });

  it('filters, pages by offset and limit, and says how many match', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `node-${i}`);
    await registerAll(
      api(),
      ...ids.map((node_id, i) => ({ node_id, operator: i % 2 === 0 ? 'Acme' : 'globex', max_parallel: 1 })),
    );
    await liveMinutes(api(), 1, ['node-0', 'node-1']);
    const page = await search(api(), 'offset=2&limit=3&order=desc');
    expect(page).toMatchObject({ total: 7, offset: 2, limit: 3 });
    expect(page.nodes.map((n) => n.node_id)).toEqual(['node-4', 'node-3', 'node-2']);
    expect((await search(api(), 'q=ACME')).total).toBe(4);
    expect((await search(api(), 'operator=globex')).nodes.map((n) => n.node_id)).toEqual([
      'node-1',
      'node-3',
      'node-5',
    ]);
    expect((await search(api(), 'live=true')).nodes.map((n) => n.node_id)).toEqual(['node-0', 'node-1']);
    expect(await search(api(), 'offset=100')).toEqual({ total: 7, offset: 100, limit: 100, nodes: [] });
    const removed = await api().app.inject({
      method: 'DELETE',
      url: '/nodes/node-6',
      headers: api().as('operator'),
    });
    expect(removed.statusCode).toBe(200);
    expect((await search(api())).total).toBe(6);
    expect((await search(api(), 'state=deleted')).nodes).toMatchObject([
      { node_id: 'node-6', state: 'deleted' },
    ]);
    expect((await search(api(), 'state=all')).total).toBe(7);
  });

  it('refuses each bad parameter with a 400 problem naming it', async () => {
    const bad: Array<[query: string, named: string]> = [
      ['sort=bogus', 'querystring.sort'],
      ['order=up', 'querystring.order'],
      ['offset=-1', 'querystring.offset'],
      ['offset=1.5', 'querystring.offset'],
      ['offset=9007199254740993', 'querystring.offset'],
      ['limit=0', 'querystring.limit'],
      ['limit=501', 'querystring.limit'],
      ['limit=abc', 'querystring.limit'],
      ['state=gone', 'querystring.state'],
      ['live=maybe', 'querystring.live'],
      [`q=${'x'.repeat(129)}`, 'querystring.q'],
      [`operator=${'x'.repeat(129)}`, 'querystring.operator'],
      ['q=a%00b', 'querystring.q'],
      ['cursor=node-1', '"cursor"'],
    ];
    for (const [query, named] of bad) {
      const problem = expectProblem(await get(api(), `/search/nodes?${query}`), 400, 'invalid-request');
      expect(problem['detail'], query).toContain(named);
    }
  });

  it('needs a key of any role, and shows a scoped operator key every node, as GET /nodes does', async () => {
    await registerAll(
      api(),
      { node_id: 'ours', operator: 'acme', max_parallel: 1 },
      { node_id: 'theirs', operator: 'globex', max_parallel: 1 },
    );
    expectProblem(await get(api(), '/search/nodes', null), 401, 'unauthorized');
    for (const role of ['read', 'tenant', 'node', 'operator', 'admin'] as const) {
      expect((await search(api(), '', role)).total, role).toBe(2);
    }
    const { key } = await createApiKey(api().store.db, 'operator', 'acme only', api().clock.now, {
      operator: 'acme',
    });
    const scoped = { authorization: `Bearer ${key}` };
    const listed = await api().app.inject({ method: 'GET', url: '/nodes', headers: scoped });
    const searched = await api().app.inject({ method: 'GET', url: '/search/nodes', headers: scoped });
    expect((searched.json() as SearchJson).nodes.map((n) => n.node_id)).toEqual(
      (listed.json() as { nodes: Array<{ node_id: string }> }).nodes.map((n) => n.node_id),
    );
    // An operator's own table is the operator filter.
    const own = await api().app.inject({
      method: 'GET',
      url: '/search/nodes?operator=acme',
      headers: scoped,
    });
    expect((own.json() as SearchJson).nodes.map((n) => n.node_id)).toEqual(['ours']);
  });
});
