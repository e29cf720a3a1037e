import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, useApi } from '../api/support.ts';
import {
  declared,
  enc,
  hostsWithTopics,
  makeNodes,
  operator,
  registerNode,
  syncOk,
  type TestNode,
} from './support.ts';

interface NodeJson {
  lifecycle: { state: string; reason: string | null; since_ms: number };
  workers: Array<{ worker_id: string; state: string }>;
  quality: { verified: number; failed: number; score: number | null };
}

describeEachBackend('workers: the node view', (backend) => {
  const api = useApi(backend);
  let a: TestNode;
  let registeredAt: number;

  beforeEach(async () => {
    registeredAt = api().clock.now;
    [a] = (await hostsWithTopics(api(), 1, [{ name: 'hash' }])) as [TestNode];
  });

  const node = async () => {
    const res = await get(api(), `/nodes/${a.id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as NodeJson;
  };

  it('shows the lifecycle, workers and quality, registered until a worker reports', async () => {
    expect(await node()).toMatchObject({
      lifecycle: { state: 'registered', reason: 'no worker has reported yet', since_ms: registeredAt },
      workers: [],
      quality: { verified: 0, failed: 0, score: null },
    });

    api().clock.now += 1_000;
    const t = api().clock.now;
    await syncOk(api(), a, [
      declared(`${a.id}/main`, {
        state: 'error',
        reason: 'benchmark 0.5 below 2',
        transitions: [{ state: 'error', reason: 'benchmark 0.5 below 2', at_ms: t - 10 }],
      }),
      declared(`${a.id}/second`, {
        state: 'ready',
        transitions: [{ state: 'ready', reason: null, at_ms: t - 20 }],
      }),
    ]);
    const view = await node();
    expect(view.lifecycle).toEqual({ state: 'ready', reason: null, since_ms: t - 20 });
    expect(view.workers.map((w) => [w.worker_id, w.state])).toEqual([
      [`${a.id}/main`, 'error'],
      [`${a.id}/second`, 'ready'],
    ]);

    // Disabled workers do not speak for the node.
    await operator(api(), 'POST', `/pools/default/workers/${enc(`${a.id}/second`)}/disable`);
    expect((await node()).lifecycle).toEqual({
      state: 'error',
      reason: 'benchmark 0.5 below 2',
      since_ms: t - 10,
    });
  });

  it('lists the node’s workers’ transitions newest first, from since_ms, up to limit', async () => {
    const t = api().clock.now;
    await syncOk(api(), a, [
      declared(`${a.id}/main`, {
        state: 'working',
        transitions: [
          { state: 'starting', reason: null, at_ms: t + 1 },
          { state: 'ready', reason: null, at_ms: t + 3 },
          { state: 'working', reason: null, at_ms: t + 5 },
        ],
      }),
      declared(`${a.id}/second`, {
        state: 'error',
        reason: 'no adapter',
        transitions: [{ state: 'error', reason: 'no adapter', at_ms: t + 4 }],
      }),
    ]);
    const all = (await get(api(), `/nodes/${a.id}/states`)).json() as {
      states: Array<{ worker_id: string; state: string; reason: string | null; at_ms: number }>;
    };
    expect(all.states).toEqual([
      { worker_id: `${a.id}/main`, state: 'working', reason: null, at_ms: t + 5 },
      { worker_id: `${a.id}/second`, state: 'error', reason: 'no adapter', at_ms: t + 4 },
      { worker_id: `${a.id}/main`, state: 'ready', reason: null, at_ms: t + 3 },
      { worker_id: `${a.id}/main`, state: 'starting', reason: null, at_ms: t + 1 },
    ]);
    const some = (await get(api(), `/nodes/${a.id}/states?since_ms=${t + 3}&limit=2`)).json() as {
      states: Array<{ at_ms: number }>;
    };
    expect(some.states.map((s) => s.at_ms)).toEqual([t + 5, t + 4]);
    expectProblem(await get(api(), '/nodes/ghost/states'), 404, 'not-found');
    expectProblem(await get(api(), `/nodes/${a.id}/states?limit=0`), 400, 'invalid-request');
  });

  it('counts enabled workers by state in vigil_workers', async () => {
    const [b] = makeNodes(1, 'other') as [TestNode];
    await registerNode(api(), b);
    await syncOk(api(), a, [
      declared(`${a.id}/main`, { state: 'working' }),
      declared(`${a.id}/x`, { state: 'error' }),
    ]);
    await syncOk(api(), b, [declared(`${b.id}/main`, { state: 'working' })]);
    await operator(api(), 'POST', `/pools/default/workers/${enc(`${a.id}/x`)}/disable`);
    const metrics = (await get(api(), '/metrics')).body;
    expect(metrics).toMatch(/^vigil_workers\{state="working"\} 2$/m);
    expect(metrics).toMatch(/^vigil_workers\{state="error"\} 0$/m);
    expect(metrics).toMatch(/^vigil_workers\{state="ready"\} 0$/m);
  });
});
