import { expect, it } from 'vitest';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { eventually, get, heartbeat, postOutcomes, register, registerAll, useApi } from './support.ts';

const T = Date.UTC(2026, 9, 31, 23, 0, 0);

async function auditRows(api: TestApi) {
  return api.store.db
    .selectFrom('audit_log')
    .select(['actor', 'role', 'method', 'route', 'path', 'status_code', 'request_id', 'detail'])
    .orderBy('id')
    .execute();
}

/**
 * The audit log is written once the response has gone out, so wait for the expected count.
 * Rows written in the same millisecond have no defined order, so tests compare them sorted.
 */
const waitForRows = (api: TestApi, count: number) =>
  eventually(
    () => auditRows(api),
    (rows) => rows.length >= count,
  );

describeEachBackend('API: audit log', (backend) => {
  const api = useApi(backend);
  const prefix = (role: 'operator' | 'read' | 'admin') => api().keys[role].slice(0, 12);

  it('records an allowed mutating call with actor prefix, role, route and status', async () => {
    const res = await register(api(), { node_id: 'n1', max_parallel: 1 });
    expect(res.statusCode).toBe(201);
    const rows = await waitForRows(api(), 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: prefix('operator'),
      role: 'operator',
      method: 'POST',
      route: '/nodes',
      path: '/nodes',
      status_code: 201,
    });
    expect(rows[0]?.request_id).toMatch(/\S/);
    expect(prefix('operator')).toMatch(/^vgl_/);
    // Only the prefix is kept: the key itself never reaches the log.
    expect(JSON.stringify(rows)).not.toContain(api().keys.operator);
  });

  it('records refused calls too: 403 with the caller’s role, 401 as anonymous', async () => {
    const forbidden = await register(api(), { node_id: 'n1', max_parallel: 1 }, 'read');
    expect(forbidden.statusCode).toBe(403);
    const anonymous = await api().app.inject({ method: 'DELETE', url: '/nodes/n1' });
    expect(anonymous.statusCode).toBe(401);
    const rows = await waitForRows(api(), 2);
    const byStatus = [...rows].sort((a, b) => a.status_code - b.status_code);
    expect(
      byStatus.map(({ actor, role, method, route, path, status_code }) => ({
        actor,
        role,
        method,
        route,
        path,
        status_code,
      })),
    ).toEqual([
      {
        actor: 'anonymous',
        role: null,
        method: 'DELETE',
        route: '/nodes/:node_id',
        path: '/nodes/n1',
        status_code: 401,
      },
      {
        actor: prefix('read'),
        role: 'read',
        method: 'POST',
        route: '/nodes',
        path: '/nodes',
        status_code: 403,
      },
    ]);
    expect(JSON.parse(byStatus[0]?.detail ?? '{}')).toEqual({ params: { node_id: 'n1' } });
  });

  it('records PATCH, DELETE and a collection run with their routes', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 });
    const admin = api().as('admin');
    await api().app.inject({
      method: 'PATCH',
      url: '/nodes/n1',
      headers: admin,
      payload: { max_parallel: 3 },
    });
    await api().app.inject({ method: 'POST', url: '/sla/metrics/collect', headers: admin });
    await api().app.inject({ method: 'DELETE', url: '/nodes/n1', headers: admin });
    const rows = await waitForRows(api(), 4);
    expect(rows.map((r) => `${r.method} ${r.route} ${r.status_code} ${r.role}`).sort()).toEqual([
      'DELETE /nodes/:node_id 200 admin',
      'PATCH /nodes/:node_id 200 admin',
      'POST /nodes 201 operator',
      'POST /sla/metrics/collect 200 admin',
    ]);
  });

  it('does not record reads, heartbeats, outcomes or the work protocol (counted in metrics instead)', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 });
    await waitForRows(api(), 1);
    expect((await heartbeat(api(), 'n1')).statusCode).toBe(202);
    expect((await heartbeat(api(), 'ghost')).statusCode).toBe(404);
    const outcome = {
      job_id: 'j1',
      node_id: 'n1',
      topic: 't',
      status: 'success',
      started_at: T,
      finished_at: T,
    } as const;
    expect((await postOutcomes(api(), outcome)).statusCode).toBe(200);
    expect((await heartbeat(api(), 'n1', undefined, 'tenant')).statusCode).toBe(403);
    expect((await get(api(), '/nodes')).statusCode).toBe(200);
    expect((await get(api(), '/sla/status')).statusCode).toBe(200);
    // Nor the work protocol (refused here, unsigned) or job submissions: jobs are their own record.
    for (const url of [
      '/workers/sync',
      '/topics/hash/claim',
      '/leases/extend',
      '/results',
      '/topics/hash/verifications/claim',
      '/verdicts',
      '/jobs',
    ]) {
      const res = await api().app.inject({ method: 'POST', url, payload: {} });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
    }
    // A later audited call proves the log is being written; only it and the registration are there.
    await api().app.inject({
      method: 'PATCH',
      url: '/nodes/n1',
      headers: api().as('operator'),
      payload: { max_parallel: 2 },
    });
    const rows = await waitForRows(api(), 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await auditRows(api())).map((r) => `${r.method} ${r.route}`).sort()).toEqual([
      'PATCH /nodes/:node_id',
      'POST /nodes',
    ]);
    expect(rows).toHaveLength(2);
  });
});
