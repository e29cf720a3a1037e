import { expect, it } from 'vitest';
import { createApiKey, type KeyScope } from '../../../src/coordinator/auth/keys.ts';
import type { Role } from '../../../src/store/schema.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, registerAll, useApi } from './support.ts';

const T = Date.UTC(2026, 9, 31, 23, 0, 0);

async function keyFor(api: TestApi, role: Role, scope: KeyScope): Promise<{ authorization: string }> {
  const { key } = await createApiKey(api.store.db, role, 'scoped', T, scope);
  return { authorization: `Bearer ${key}` };
}

function call(
  api: TestApi,
  headers: object,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return api.app.inject({
    method,
    url,
    headers: headers as Record<string, string>,
    payload: payload as object,
  });
}

const outcome = (nodeId: string, jobId: string) => ({
  job_id: jobId,
  node_id: nodeId,
  topic: 't',
  status: 'success',
  started_at: T,
  finished_at: T,
});

describeEachBackend('API: whom a key acts for', (backend) => {
  const api = useApi(backend);

  it('lets a node key act only as its own node, refusing the rest with 403 and storing nothing', async () => {
    await registerAll(api(), { node_id: 'n2', max_parallel: 1 });
    const n1 = await keyFor(api(), 'node', { node_id: 'n1' });
    expect((await call(api(), n1, 'POST', '/nodes', { node_id: 'n1', max_parallel: 1 })).statusCode).toBe(
      201,
    );
    expect(
      (await call(api(), n1, 'POST', '/nodes/n1/heartbeat', { busy_slots: 0, queue_length: 0 })).statusCode,
    ).toBe(202);
    expect((await call(api(), n1, 'POST', '/outcomes', outcome('n1', 'j1'))).statusCode).toBe(200);

    expectProblem(
      await call(api(), n1, 'POST', '/nodes', { node_id: 'n3', max_parallel: 1 }),
      403,
      'forbidden',
      /acts only as node n1, not as n3/,
    );
    expectProblem(
      await call(api(), n1, 'POST', '/nodes/n2/heartbeat', { busy_slots: 0, queue_length: 0 }),
      403,
      'forbidden',
      /acts only as node n1, not as n2/,
    );
    // A batch with one other node's outcome is refused whole.
    expectProblem(
      await call(api(), n1, 'POST', '/outcomes', [outcome('n1', 'j2'), outcome('n2', 'j3')]),
      403,
      'forbidden',
    );
    const heartbeats = await api().store.db.selectFrom('node_status').select('node_id').execute();
    expect(heartbeats.map((h) => h.node_id)).toEqual(['n1']);
    expect((await get(api(), '/nodes/n3')).statusCode).toBe(404);
    const jobs = await api().store.db.selectFrom('job_outcomes').select('job_id').execute();
    expect(jobs.map((j) => j.job_id)).toEqual(['j1']);
  });

  it('refuses a node key made before keys named their node, saying how to make one that works', async () => {
    const { key, id } = await createApiKey(api().store.db, 'node', 'old', T, { node_id: 'n1' });
    await api().store.db.updateTable('api_keys').set({ node_id: null }).where('id', '=', id).execute();
    expectProblem(
      await call(api(), { authorization: `Bearer ${key}` }, 'POST', '/nodes', {
        node_id: 'n1',
        max_parallel: 1,
      }),
      403,
      'forbidden',
      /acts for none; create one with `vigil keys create --role node --node <node-id>`/,
    );
  });

  it('lets an operator key with an operator act only for that operator’s nodes', async () => {
    await registerAll(api(), { node_id: 'theirs', operator: 'other', max_parallel: 1 });
    const acme = await keyFor(api(), 'operator', { operator: 'acme' });
    // It registers under its own operator, named or not, and never under another.
    const created = await call(api(), acme, 'POST', '/nodes', { node_id: 'mine', max_parallel: 1 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ operator: 'acme' });
    expectProblem(
      await call(api(), acme, 'POST', '/nodes', { node_id: 'x', operator: 'other', max_parallel: 1 }),
      403,
      'forbidden',
      /acts for operator acme; it may not register a node for other/,
    );
    expect((await call(api(), acme, 'PATCH', '/nodes/mine', { max_parallel: 3 })).statusCode).toBe(200);
    expectProblem(await call(api(), acme, 'PATCH', '/nodes/mine', { operator: 'other' }), 403, 'forbidden');
    for (const [method, url, body] of [
      ['PATCH', '/nodes/theirs', { max_parallel: 3 }],
      ['DELETE', '/nodes/theirs', undefined],
      ['POST', '/nodes/theirs/heartbeat', { busy_slots: 0, queue_length: 0 }],
      ['POST', '/outcomes', [outcome('mine', 'a'), outcome('theirs', 'b')]],
      ['POST', '/nodes', { node_id: 'theirs', max_parallel: 1 }],
    ] as const) {
      expectProblem(
        await call(api(), acme, method, url, body),
        403,
        'forbidden',
        /acts for operator acme|may not register a node for other/,
      );
    }
    expect((await get(api(), '/nodes/theirs')).json()).toMatchObject({ state: 'active', max_parallel: 1 });
    // An operator key without an operator is the network's own: it acts for every node.
    const network = await keyFor(api(), 'operator', {});
    expect((await call(api(), network, 'PATCH', '/nodes/theirs', { max_parallel: 2 })).statusCode).toBe(200);
  });

  it('refuses to make a key whose role and scope do not go together', async () => {
    await expect(createApiKey(api().store.db, 'node', null)).rejects.toThrow(/name it \(--node <node-id>\)/);
    await expect(createApiKey(api().store.db, 'read', null, T, { node_id: 'n1' })).rejects.toThrow(
      /only a node key names a node/,
    );
    await expect(createApiKey(api().store.db, 'admin', null, T, { operator: 'acme' })).rejects.toThrow(
      /only an operator key names an operator/,
    );
  });
});
