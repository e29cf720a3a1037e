import { expect, it } from 'vitest';
import { topicSchema } from '../../../src/config/topic-schema.ts';
import { getJob } from '../../../src/store/repositories/jobs.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { makeNodes, registerNode, signedInject, type TestNode } from '../epochs/support.ts';
import { declared } from '../workers/support.ts';
import { expectProblem, get, registerAll, useApi } from './support.ts';

/**
 * Input an attacker or a careless client sends: each is a 4xx problem, stores nothing, and
 * leaves every read working. None of it may reach the store as something it cannot hold.
 */
describeEachBackend('API: hostile input', (backend) => {
  const api = useApi(backend, (c) => {
    c.topics = [topicSchema.parse({ name: 'echo' })];
  });
  const send = (method: 'POST' | 'GET', url: string, payload?: string, role: 'admin' | 'tenant' = 'admin') =>
    api().app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: {
        ...api().as(role),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
  const jobCount = async () =>
    ((await get(api(), '/jobs?limit=100', 'admin')).json() as { jobs: unknown[] }).jobs.length;

  it('refuses a body nested thousands of levels deep, for every JSON body', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const job = await send('POST', '/jobs', `{"topic":"echo","payload":${deep}}`, 'tenant');
    expectProblem(job, 400, 'malformed-json', /nests/);
    expect(await jobCount()).toBe(0);
    const node = await send('POST', '/nodes', `{"node_id":"n1","max_parallel":1,"topics":${deep}}`);
    expectProblem(node, 400, 'malformed-json', /nests/);
    // Nesting a real client sends stays welcome.
    const fine = await send(
      'POST',
      '/jobs',
      `{"topic":"echo","payload":${'['.repeat(50)}${']'.repeat(50)}}`,
      'tenant',
    );
    expect(fine.statusCode, fine.body).toBe(201);
  });

  it('refuses numbers JSON can spell but a column cannot hold: 1e309, beyond 2^53, beyond the column', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    for (const busy of ['1e309', '-1e309', '9007199254740993', '1152921504606846976', '2147483648']) {
      const res = await send('POST', '/nodes/n1/heartbeat', `{"busy_slots":${busy},"queue_length":0}`);
      expect(res.statusCode, `busy_slots ${busy}: ${res.body}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const status = (await get(api(), '/nodes/n1', 'admin')).json() as {
      status: { busy_slots: number | null };
    };
    expect(status.status.busy_slots).toBeNull();
  });

  it('keeps a node from breaking the fleet with an infinite or oversized number in its signed sync', async () => {
    const [node] = makeNodes(1, 'host') as [TestNode];
    await registerNode(api(), node);
    const report = declared(`${node.id}/main`);
    for (const [field, value] of [
      ['generation', '1e309'],
      ['generation', '9007199254740993'],
      ['generation', '4294967296'],
      ['busy_slots', '1e309'],
    ] as const) {
      const body = JSON.stringify({ version: '0.1.0', workers: [report] }).replace(
        `"${field}":${report[field]}`,
        `"${field}":${value}`,
      );
      expect(body).toContain(value);
      const res = await signedInject(api(), node, '/workers/sync', { body });
      expect(res.statusCode, `${field} ${value}: ${res.body}`).toBe(400);
    }
    for (const url of ['/pools', '/pools/default', `/nodes/${node.id}`, `/nodes/${node.id}/states`]) {
      const res = await get(api(), url, 'admin');
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
    }
  });

  it('refuses a NUL character the same way on every backend, in bodies, queries and paths', async () => {
    const nul = await send(
      'POST',
      '/nodes',
      JSON.stringify({ node_id: 'n1', max_parallel: 1, operator: 'a\u0000b' }),
    );
    expectProblem(nul, 400, 'invalid-request', /NUL/);
    expectProblem(await get(api(), '/nodes/n1', 'admin'), 404, 'not-found');
    expectProblem(await get(api(), '/nodes?operator=%00', 'admin'), 400, 'invalid-request', /NUL/);
    expectProblem(await get(api(), '/jobs?tenant_id=%00', 'admin'), 400, 'invalid-request', /NUL/);
    expectProblem(await get(api(), '/jobs/a%00b', 'admin'), 400, 'invalid-request', /NUL/);
    // A payload is opaque JSON, stored as JSON text where a NUL is escaped: it is kept, intact, on both.
    const job = await send('POST', '/jobs', JSON.stringify({ topic: 'echo', payload: 'x\u0000y' }), 'tenant');
    expect(job.statusCode, job.body).toBe(201);
    const id = (job.json() as { job_id: string }).job_id;
    const stored = await getJob(api().store.db, id);
    expect(JSON.parse(stored?.payload ?? 'null')).toBe('x\u0000y');
  });

  it('refuses query integers beyond what the store can compare', async () => {
    expectProblem(
      await get(api(), '/jobs?before_ms=99999999999999999999999', 'admin'),
      400,
      'invalid-request',
    );
    expectProblem(
      await get(api(), '/nodes/n1/states?since_ms=99999999999999999999999', 'admin'),
      400,
      'invalid-request',
    );
  });

  it('answers a malformed URL or an overlong path with problem+json, not the framework’s text', async () => {
    for (const url of ['/nodes/%ZZ', '/%', `/nodes/${'a%'.repeat(3)}`]) {
      const res = await get(api(), url, 'admin');
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
    const long = await get(api(), `/nodes/${'a'.repeat(5000)}`, 'admin');
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((long.json() as { type: string }).type).toBe('urn:vigil:problem:uri-too-long');
  });

  it('refuses unknown query parameters on every route, as GET /nodes always did', async () => {
    expectProblem(await get(api(), '/healthz?x=1'), 400, 'invalid-request', /x/);
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 });
    expectProblem(await get(api(), '/nodes/n1?x=1', 'admin'), 400, 'invalid-request', /x/);
    expect((await get(api(), '/nodes/n1', 'admin')).statusCode).toBe(200);
  });
});
