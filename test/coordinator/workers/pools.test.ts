import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, useApi } from '../api/support.ts';
import { declared, enc, hostsWithTopics, operator, syncOk, type TestNode } from './support.ts';

interface WorkerJson {
  worker_id: string;
  node_id: string;
  pool: string;
  source: string;
  enabled: boolean;
  generation: number;
  topics: Array<{ topic: string; concurrency: number }>;
  verify_topics: string[];
  state: string;
}

describeEachBackend('workers: pools and the operator API', (backend) => {
  const api = useApi(backend);
  let a: TestNode;
  let b: TestNode;

  beforeEach(async () => {
    [a, b] = (await hostsWithTopics(api(), 2, [{ name: 'hash' }, { name: 'primes' }])) as [
      TestNode,
      TestNode,
    ];
    expect(
      (await operator(api(), 'POST', '/pools', { name: 'gpu', description: 'big cards' })).statusCode,
    ).toBe(201);
  });

  async function addWorker(body: Record<string, unknown>, pool = 'gpu'): Promise<WorkerJson> {
    const res = await operator(api(), 'POST', `/pools/${pool}/workers`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as WorkerJson;
  }

  it('creates pools (201, then 200 with a new description) and lists them with their workers', async () => {
    const again = await operator(api(), 'POST', '/pools', { name: 'gpu', description: 'bigger cards' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ name: 'gpu', description: 'bigger cards', workers: [] });
    const worker = await addWorker({ node_id: a.id, topics: [{ topic: 'hash', concurrency: 2 }] });
    const list = (await get(api(), '/pools')).json() as {
      pools: Array<{ name: string; workers: WorkerJson[] }>;
    };
    expect(list.pools.map((p) => [p.name, p.workers.map((w) => w.worker_id)])).toEqual([
      ['gpu', [worker.worker_id]],
    ]);
    expectProblem(await get(api(), '/pools/none'), 404, 'unknown-pool');
    expectProblem(
      await operator(api(), 'POST', '/pools/none/workers', { node_id: a.id, topics: [] }),
      404,
      'unknown-pool',
    );
    const tenant = await api().app.inject({
      method: 'POST',
      url: '/pools',
      headers: api().as('tenant'),
      payload: { name: 'mine' },
    });
    expectProblem(tenant, 403, 'forbidden');
  });

  it('adds a worker to a node, which only that node’s next sync lists', async () => {
    const worker = await addWorker({
      node_id: a.id,
      topics: [{ topic: 'hash', concurrency: 2 }],
      verify_topics: ['primes'],
    });
    expect(worker.worker_id).toMatch(new RegExp(`^${a.id}/gpu-[a-z2-7]{6}$`));
    expect(worker).toMatchObject({
      node_id: a.id,
      pool: 'gpu',
      source: 'api',
      enabled: true,
      generation: 0,
      state: 'registered',
      last_seen_at_ms: null,
    });
    const forA = await syncOk(api(), a, []);
    expect(forA.workers).toEqual([
      {
        worker_id: worker.worker_id,
        pool: 'gpu',
        source: 'api',
        enabled: true,
        generation: 0,
        topics: [{ topic: 'hash', concurrency: 2 }],
        verify_topics: ['primes'],
      },
    ]);
    expect(forA.topics.map((t) => t.name)).toEqual(['hash', 'primes']);
    expect((await syncOk(api(), b, [])).workers).toEqual([]);

    // The host runs it and reports it without a declaration.
    const reported = await syncOk(api(), a, [
      { ...declared(worker.worker_id), pool: 'gpu', declared: null, state: 'working', busy_slots: 1 },
    ]);
    expect(reported.refused).toEqual([]);
    expect((await get(api(), `/workers/${enc(worker.worker_id)}`)).json()).toMatchObject({
      state: 'working',
      busy_slots: 1,
      source: 'api',
      pool: 'gpu',
    });
  });

  it('refuses an unknown node, an unknown topic and a taken worker id', async () => {
    expectProblem(
      await operator(api(), 'POST', '/pools/gpu/workers', { node_id: 'ghost', topics: [] }),
      404,
      'unknown-node',
    );
    const unknown = expectProblem(
      await operator(api(), 'POST', '/pools/gpu/workers', {
        node_id: a.id,
        topics: [{ topic: 'hash', concurrency: 1 }],
        verify_topics: ['nope'],
      }),
      422,
      'unknown-topic',
      /nope/,
    );
    expect(unknown['topics']).toEqual(['nope']);
    await addWorker({ worker_id: 'shared/one', node_id: a.id, topics: [] });
    expectProblem(
      await operator(api(), 'POST', '/pools/gpu/workers', {
        worker_id: 'shared/one',
        node_id: b.id,
        topics: [],
      }),
      409,
      'worker-exists',
    );
    expectProblem(
      await operator(api(), 'POST', '/pools/gpu/workers', {
        node_id: a.id,
        topics: [
          { topic: 'hash', concurrency: 1 },
          { topic: 'hash', concurrency: 2 },
        ],
      }),
      400,
      'invalid-request',
      /twice/,
    );
    expectProblem(
      await operator(api(), 'POST', '/pools/gpu/workers', {
        node_id: a.id,
        topics: [{ topic: 'hash', concurrency: 0 }],
      }),
      400,
      'invalid-request',
    );
  });

  it('updates, disables, enables and restarts a worker, each visible in the next sync', async () => {
    const { worker_id } = await addWorker({ node_id: a.id, topics: [{ topic: 'hash', concurrency: 1 }] });
    const url = `/pools/gpu/workers/${enc(worker_id)}`;
    const patched = await operator(api(), 'PATCH', url, { topics: [{ topic: 'primes', concurrency: 8 }] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ topics: [{ topic: 'primes', concurrency: 8 }], enabled: true });
    expect((await syncOk(api(), a, [])).workers[0]).toMatchObject({
      topics: [{ topic: 'primes', concurrency: 8 }],
    });

    expect((await operator(api(), 'POST', `${url}/disable`)).json()).toMatchObject({ enabled: false });
    expect((await syncOk(api(), a, [])).workers[0]).toMatchObject({ enabled: false });
    expect((await operator(api(), 'POST', `${url}/enable`)).json()).toMatchObject({ enabled: true });
    expect((await operator(api(), 'POST', `${url}/restart`)).json()).toMatchObject({ generation: 1 });
    expect((await operator(api(), 'POST', `${url}/restart`)).json()).toMatchObject({ generation: 2 });
    expect((await syncOk(api(), a, [])).workers[0]).toMatchObject({ enabled: true, generation: 2 });

    expectProblem(await operator(api(), 'PATCH', url, {}), 400, 'invalid-request');
    expectProblem(await operator(api(), 'PATCH', url, { verify_topics: ['nope'] }), 422, 'unknown-topic');
    // A worker is addressed through its own pool.
    await operator(api(), 'POST', '/pools', { name: 'cpu' });
    expectProblem(
      await operator(api(), 'POST', `/pools/cpu/workers/${enc(worker_id)}/restart`),
      404,
      'unknown-worker',
    );
  });

  it('takes a worker id with its slash written as it is, in every worker and pool path', async () => {
    const { worker_id } = await addWorker({ node_id: a.id, topics: [{ topic: 'hash', concurrency: 1 }] });
    expect(worker_id).toContain('/');
    const url = `/pools/gpu/workers/${worker_id}`;
    expect((await operator(api(), 'POST', `${url}/disable`)).json()).toMatchObject({
      worker_id,
      enabled: false,
    });
    expect((await operator(api(), 'POST', `${url}/restart`)).json()).toMatchObject({
      worker_id,
      generation: 1,
    });
    const patched = await operator(api(), 'PATCH', url, { topics: [{ topic: 'primes', concurrency: 2 }] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await get(api(), `/workers/${worker_id}`)).json()).toMatchObject({ worker_id, enabled: false });
    const states = await get(api(), `/workers/${worker_id}/states?limit=5`);
    expect(states.statusCode, states.body).toBe(200);
    // The escaped form still works, and both name the same worker.
    expect((await get(api(), `/workers/${enc(worker_id)}`)).json()).toMatchObject({ worker_id });
    expect((await operator(api(), 'DELETE', url)).statusCode).toBe(200);
    expectProblem(await get(api(), `/workers/${worker_id}`), 404, 'unknown-worker');
  });

  it('lets the host’s configuration own a declared worker’s topics: 409 worker-from-config', async () => {
    await syncOk(api(), a, [declared(`${a.id}/main`)]);
    const url = `/pools/default/workers/${enc(`${a.id}/main`)}`;
    expectProblem(
      await operator(api(), 'PATCH', url, { topics: [{ topic: 'primes', concurrency: 1 }] }),
      409,
      'worker-from-config',
      /configuration/,
    );
    expectProblem(
      await operator(api(), 'PATCH', url, { verify_topics: ['hash'] }),
      409,
      'worker-from-config',
    );
    expectProblem(await operator(api(), 'DELETE', url), 409, 'worker-from-config', /remove it there/);
    // Enabling is the operator's, and the same topics again change nothing.
    const same = await operator(api(), 'PATCH', url, {
      topics: [{ topic: 'hash', concurrency: 4 }],
      enabled: false,
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ enabled: false, source: 'config' });
  });

  it('deletes an operator-added worker: gone from the next sync, and its reports are refused', async () => {
    const { worker_id } = await addWorker({ node_id: a.id, topics: [{ topic: 'hash', concurrency: 1 }] });
    const deleted = await operator(api(), 'DELETE', `/pools/gpu/workers/${enc(worker_id)}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toMatchObject({ worker_id });
    expectProblem(await get(api(), `/workers/${enc(worker_id)}`), 404, 'unknown-worker');
    expectProblem(
      await operator(api(), 'DELETE', `/pools/gpu/workers/${enc(worker_id)}`),
      404,
      'unknown-worker',
    );
    const answer = await syncOk(api(), a, [{ ...declared(worker_id), declared: null, state: 'stopped' }]);
    expect(answer.workers).toEqual([]);
    expect(answer.refused).toMatchObject([{ worker_id, type: 'unknown-worker' }]);
  });
});
