import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, heartbeat, registerAll, useApi } from './support.ts';

interface Status {
  live: boolean;
  last_heartbeat_at: string | null;
  busy_slots: number | null;
  queue_length: number | null;
  version: string | null;
}

describeEachBackend('API: heartbeats', (backend) => {
  const api = useApi(backend);
  const status = async (nodeId: string) =>
    ((await get(api(), `/nodes/${nodeId}`)).json() as { status: Status }).status;

  it('accepts a heartbeat of a registered node with 202 and shows it in the node’s status', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    const res = await heartbeat(api(), 'n1', { busy_slots: 3, queue_length: 17, version: '1.4.2' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: true });
    expect(await status('n1')).toEqual({
      live: true,
      last_heartbeat_at: new Date(api().clock.now).toISOString(),
      busy_slots: 3,
      queue_length: 17,
      version: '1.4.2',
    });
  });

  it('keeps the last reported version when a heartbeat leaves it out', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    expect(
      (await heartbeat(api(), 'n1', { busy_slots: 1, queue_length: 0, version: '2.0.0' })).statusCode,
    ).toBe(202);
    api().clock.now += 30_000;
    expect((await heartbeat(api(), 'n1', { busy_slots: 2, queue_length: 5 })).statusCode).toBe(202);
    expect(await status('n1')).toMatchObject({ busy_slots: 2, queue_length: 5, version: '2.0.0' });
  });

  it('refuses a heartbeat for an unknown node with a 404 problem that says what to do', async () => {
    const res = await heartbeat(api(), 'ghost', { busy_slots: 0, queue_length: 0 });
    expectProblem(res, 404, 'not-found', /ghost is not registered; register it with POST \/nodes/);
    const rows = await api().store.db.selectFrom('node_status').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('marks a node not live once its last heartbeat is older than the liveness timeout', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    expect((await heartbeat(api(), 'n1')).statusCode).toBe(202);
    const timeoutMs = api().config.sla.liveness_timeout_s * 1000;
    api().clock.now += timeoutMs;
    expect((await status('n1')).live).toBe(true);
    api().clock.now += 1;
    expect((await status('n1')).live).toBe(false);
    expect((await heartbeat(api(), 'n1')).statusCode).toBe(202);
    expect((await status('n1')).live).toBe(true);
  });

  it('accepts 500 concurrent heartbeats across 50 nodes and none is lost', async () => {
    const nodes = Array.from({ length: 50 }, (_, i) => `node-${i}`);
    for (const id of nodes) await registerAll(api(), { node_id: id, max_parallel: 16 });
    // Ten heartbeats per node, all in flight at once; within a node each pair is coherent.
    const results = await Promise.all(
      nodes.flatMap((id) =>
        Array.from({ length: 10 }, (_, round) =>
          heartbeat(api(), id, { busy_slots: round, queue_length: round * 100 }),
        ),
      ),
    );
    expect(results.filter((r) => r.statusCode !== 202).map((r) => r.body)).toEqual([]);
    expect(results).toHaveLength(500);
    for (const id of nodes) {
      const s = await status(id);
      expect(s.live).toBe(true);
      expect(s.busy_slots).toBeGreaterThanOrEqual(0);
      expect(s.busy_slots).toBeLessThan(10);
      expect(s.queue_length).toBe((s.busy_slots ?? -1) * 100);
    }
    const metrics = await get(api(), '/metrics');
    expect(metrics.body).toMatch(/^vigil_heartbeats_total\{result="accepted"\} 500$/m);
  });

  it('keeps the last values when rounds of concurrent heartbeats arrive one after another', async () => {
    const nodes = Array.from({ length: 50 }, (_, i) => `node-${i}`);
    for (const id of nodes) await registerAll(api(), { node_id: id, max_parallel: 16 });
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        nodes.map((id, i) =>
          heartbeat(api(), id, { busy_slots: round, queue_length: i * 1000 + round, version: `v${round}` }),
        ),
      );
      expect(results.every((r) => r.statusCode === 202)).toBe(true);
      api().clock.now += 1_000;
    }
    const lastAt = new Date(api().clock.now - 1_000).toISOString();
    const list = await get(api(), '/nodes?limit=1000');
    const byId = new Map(
      (list.json() as { nodes: Array<{ node_id: string; status: Status }> }).nodes.map((n) => [
        n.node_id,
        n.status,
      ]),
    );
    nodes.forEach((id, i) => {
      expect(byId.get(id)).toEqual({
        live: true,
        last_heartbeat_at: lastAt,
        busy_slots: 9,
        queue_length: i * 1000 + 9,
        version: 'v9',
      });
    });
  });
});
