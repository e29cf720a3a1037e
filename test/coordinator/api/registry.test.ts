import { describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  expectProblem,
  get,
  heartbeat,
  MINUTE_MS,
  postOutcomes,
  type RegistrationBody,
  register,
  registerAll,
  useApi,
} from './support.ts';

const full: RegistrationBody = {
  node_id: 'node-a.eu:1',
  // RFC 8032's first test key, in the text form `vigil keys init` prints.
  public_key: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  endpoint: 'https://10.0.0.5:8080',
  operator: 'acme',
  topics: ['gpu', 'inference'],
  max_parallel: 8,
};

interface NodeJson {
  node_id: string;
  state: string;
  operator: string | null;
  topics: string[];
  max_parallel: number;
  endpoint: string | null;
  registered_at: string;
  updated_at: string;
  deleted_at: string | null;
  status: { live: boolean; last_heartbeat_at: string | null; busy_slots: number | null };
}

describeEachBackend('API: node registry', (backend) => {
  const api = useApi(backend);

  it('creates a node with 201 and a Location, and the same body again is 200 and changes nothing', async () => {
    const created = await register(api(), full);
    expect(created.statusCode).toBe(201);
    expect(created.headers['location']).toBe(`/nodes/${encodeURIComponent(full.node_id)}`);
    const node = created.json() as NodeJson;
    expect(node).toMatchObject({
      node_id: full.node_id,
      public_key: full.public_key,
      endpoint: full.endpoint,
      operator: 'acme',
      topics: ['gpu', 'inference'],
      max_parallel: 8,
      state: 'active',
      deleted_at: null,
      registered_at: new Date(api().clock.now).toISOString(),
      status: { live: false, last_heartbeat_at: null, busy_slots: null, queue_length: null, version: null },
    });

    api().clock.now += 5 * MINUTE_MS;
    const again = await register(api(), full, 'admin');
    expect(again.statusCode).toBe(200);
    expect(again.headers['location']).toBeUndefined();
    expect(again.json()).toEqual(node);

    const fetched = await get(api(), created.headers['location'] as string);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(node);
  });

  it('refuses a public key that is not key text with 400 naming the expected form, and registers nothing', async () => {
    const notKeys = [
      'ed25519:3b6a27bc',
      'ed25519:3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
      '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
      '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR',
      '',
    ];
    for (const public_key of notKeys) {
      const res = await register(api(), { ...full, public_key });
      expectProblem(
        res,
        400,
        'invalid-request',
        /^public_key ".*" is not an ed25519 public key as text: expected the raw 32-byte key in base64url without padding \(43 characters\)/,
      );
      expectProblem(await get(api(), `/nodes/${full.node_id}`), 404, 'not-found');
    }
    expect((await register(api(), { ...full, public_key: null })).statusCode).toBe(201);
  });

  it('refuses a conflicting re-registration with 409 naming the fields that differ', async () => {
    await registerAll(api(), full);
    const res = await register(api(), { ...full, operator: 'someone-else', max_parallel: 2 });
    const problem = expectProblem(res, 409, 'conflict', /operator, max_parallel/);
    expect(problem['differences']).toEqual(['operator', 'max_parallel']);
    expect(problem['detail']).toContain(`PATCH /nodes/${full.node_id}`);
    const node = (await get(api(), `/nodes/${full.node_id}`)).json() as NodeJson;
    expect(node).toMatchObject({ operator: 'acme', max_parallel: 8 });
  });

  it('neither compares nor changes a field a registration leaves out, and fills in one the node never had', async () => {
    // The agent registers where the node is reached; the worker leaves that out.
    const agent = {
      node_id: 'n-split',
      public_key: full.public_key,
      endpoint: 'http://10.0.0.9:80',
      max_parallel: 2,
    };
    await registerAll(api(), { ...agent, agent_url: 'http://10.0.0.9:7070' });
    const worker = await register(api(), {
      node_id: 'n-split',
      public_key: full.public_key,
      max_parallel: 2,
    });
    expect(worker.statusCode, worker.body).toBe(200);
    expect(worker.json()).toMatchObject({
      endpoint: 'http://10.0.0.9:80',
      agent_url: 'http://10.0.0.9:7070',
    });

    // The other order: the worker first, then the agent fills in what the node never had.
    await registerAll(api(), { node_id: 'n-late', public_key: full.public_key, max_parallel: 2 });
    const late = await register(api(), { ...agent, node_id: 'n-late', agent_url: 'http://10.0.0.9:7070' });
    expect(late.statusCode, late.body).toBe(200);
    expect(late.json()).toMatchObject({ endpoint: 'http://10.0.0.9:80', agent_url: 'http://10.0.0.9:7070' });

    // A given field that differs from a value the node has is still a conflict.
    expectProblem(
      await register(api(), { ...agent, node_id: 'n-late', endpoint: 'http://10.0.0.10:80' }),
      409,
      'conflict',
      /endpoint/,
    );
  });

  it('registers identical bodies sent at once as one node: one 201, the rest 200', async () => {
    // Agents register on every start, so a fleet restarting at once sends many of these together.
    const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
    const results = await Promise.all(
      ids.flatMap((node_id) =>
        [1, 2, 3, 4].map(async () => ({ node_id, res: await register(api(), { ...full, node_id }) })),
      ),
    );
    for (const node_id of ids) {
      const statuses = results.filter((r) => r.node_id === node_id).map((r) => r.res.statusCode);
      expect(statuses.sort(), node_id).toEqual([200, 200, 200, 201]);
    }
    const list = (await get(api(), '/nodes?state=all')).json() as { nodes: NodeJson[] };
    expect(list.nodes.map((n) => n.node_id)).toEqual(ids);
  });

  it('brings a deregistered node back as active when it registers again', async () => {
    await registerAll(api(), full);
    expect((await heartbeat(api(), full.node_id, { busy_slots: 2, queue_length: 1 })).statusCode).toBe(202);
    const registeredAt = ((await get(api(), `/nodes/${full.node_id}`)).json() as NodeJson).registered_at;
    api().clock.now += MINUTE_MS;
    const del = await api().app.inject({
      method: 'DELETE',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
    });
    expect(del.statusCode).toBe(200);

    api().clock.now += MINUTE_MS;
    const back = await register(api(), { ...full, max_parallel: 16 });
    expect(back.statusCode).toBe(200);
    const node = back.json() as NodeJson;
    expect(node).toMatchObject({
      state: 'active',
      deleted_at: null,
      max_parallel: 16,
      registered_at: registeredAt,
    });
    expect(node.status.last_heartbeat_at).not.toBeNull();
    expect(
      ((await get(api(), '/nodes')).json() as { nodes: NodeJson[] }).nodes.map((n) => n.node_id),
    ).toEqual([full.node_id]);
  });

  it('filters the list by state, operator, topic and liveness', async () => {
    await registerAll(
      api(),
      { node_id: 'a', operator: 'acme', topics: ['gpu', 'inference'], max_parallel: 1 },
      { node_id: 'b', operator: 'acme', topics: ['cpu'], max_parallel: 1 },
      { node_id: 'c', operator: 'globex', topics: ['gpu'], max_parallel: 1 },
      { node_id: 'd', operator: 'globex', topics: ['gpu-large'], max_parallel: 1 },
    );
    await api().app.inject({ method: 'DELETE', url: '/nodes/d', headers: api().as('operator') });
    expect((await heartbeat(api(), 'a')).statusCode).toBe(202);
    expect((await heartbeat(api(), 'c')).statusCode).toBe(202);
    const ids = async (query: string) => {
      const res = await get(api(), `/nodes${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { nodes: NodeJson[] }).nodes.map((n) => n.node_id);
    };
    expect(await ids('')).toEqual(['a', 'b', 'c']);
    expect(await ids('?state=active')).toEqual(['a', 'b', 'c']);
    expect(await ids('?state=deleted')).toEqual(['d']);
    expect(await ids('?state=all')).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids('?operator=acme')).toEqual(['a', 'b']);
    expect(await ids('?topic=gpu')).toEqual(['a', 'c']);
    expect(await ids('?topic=gpu&state=all')).toEqual(['a', 'c']);
    expect(await ids('?operator=globex&topic=gpu')).toEqual(['c']);
    expect(await ids('?live=true')).toEqual(['a', 'c']);
    expect(await ids('?live=false')).toEqual(['b']);

    // Liveness lapses once the last heartbeat is older than the liveness timeout.
    api().clock.now += (api().config.sla.liveness_timeout_s + 1) * 1000;
    expect(await ids('?live=true')).toEqual([]);
    expect(await ids('?live=false')).toEqual(['a', 'b', 'c']);
  });

  describe('the topic filter matches names exactly', () => {
    const ids = async (topic: string) =>
      (
        (await get(api(), `/nodes?topic=${encodeURIComponent(topic)}`)).json() as { nodes: NodeJson[] }
      ).nodes.map((n) => n.node_id);

    it('treats _ and % as themselves, not as LIKE wildcards', async () => {
      await registerAll(
        api(),
        { node_id: 'a', topics: ['gpu_inference'], max_parallel: 1 },
        { node_id: 'b', topics: ['gpuxinference'], max_parallel: 1 },
      );
      expect(await ids('gpu_inference')).toEqual(['a']);
      expect(await ids('%')).toEqual([]);
    });

    it('does not ignore case', async () => {
      await registerAll(
        api(),
        { node_id: 'c', topics: ['GPU'], max_parallel: 1 },
        { node_id: 'd', topics: ['gpu'], max_parallel: 1 },
      );
      expect(await ids('gpu')).toEqual(['d']);
      expect(await ids('GPU')).toEqual(['c']);
    });
  });

  it('walks every node exactly once by following next_cursor', async () => {
    const all = Array.from({ length: 23 }, (_, i) => `n${String(i).padStart(3, '0')}`);
    for (const id of [...all].reverse()) await registerAll(api(), { node_id: id, max_parallel: 1 });
    const seen: string[] = [];
    let url: string | null = '/nodes?limit=5';
    let pages = 0;
    while (url !== null) {
      const res = await get(api(), url);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { nodes: NodeJson[]; next_cursor: string | null };
      expect(page.nodes.length).toBeLessThanOrEqual(5);
      seen.push(...page.nodes.map((n) => n.node_id));
      url =
        page.next_cursor === null ? null : `/nodes?limit=5&cursor=${encodeURIComponent(page.next_cursor)}`;
      pages++;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toEqual(all);
    expect(pages).toBe(5);
  });

  it('answers 404 as a problem for an unknown node id', async () => {
    expectProblem(await get(api(), '/nodes/ghost'), 404, 'not-found', /ghost is not registered/);
  });

  it('changes fields with PATCH and refuses an unknown node or an empty patch', async () => {
    await registerAll(api(), full);
    api().clock.now += MINUTE_MS;
    const res = await api().app.inject({
      method: 'PATCH',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
      payload: { max_parallel: 12, topics: ['cpu'], endpoint: null },
    });
    expect(res.statusCode, res.body).toBe(200);
    const node = res.json() as NodeJson;
    expect(node).toMatchObject({ max_parallel: 12, topics: ['cpu'], endpoint: null, operator: 'acme' });
    expect(node.updated_at).toBe(new Date(api().clock.now).toISOString());
    expect(node.registered_at).not.toBe(node.updated_at);
    expect((await get(api(), `/nodes/${full.node_id}`)).json()).toEqual(node);

    const unknown = await api().app.inject({
      method: 'PATCH',
      url: '/nodes/ghost',
      headers: api().as('operator'),
      payload: { max_parallel: 2 },
    });
    expectProblem(unknown, 404, 'not-found', /ghost/);

    const empty = await api().app.inject({
      method: 'PATCH',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
      payload: {},
    });
    expectProblem(empty, 400, 'invalid-request', /body/);
  });

  it('deregisters softly: the node stays readable as deleted and its history is kept', async () => {
    await registerAll(api(), full);
    expect((await heartbeat(api(), full.node_id, { busy_slots: 3, queue_length: 4 })).statusCode).toBe(202);
    const t = api().clock.now;
    const outcome = await postOutcomes(api(), {
      job_id: 'job-1',
      node_id: full.node_id,
      topic: 'gpu',
      status: 'success',
      started_at: t - 1000,
      finished_at: t,
    });
    expect(outcome.statusCode).toBe(200);

    api().clock.now += MINUTE_MS;
    const del = await api().app.inject({
      method: 'DELETE',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
    });
    expect(del.statusCode, del.body).toBe(200);
    const deletedAt = new Date(api().clock.now).toISOString();
    expect(del.json()).toMatchObject({ state: 'deleted', deleted_at: deletedAt });

    const node = (await get(api(), `/nodes/${full.node_id}`)).json() as NodeJson;
    expect(node).toMatchObject({ state: 'deleted', deleted_at: deletedAt, max_parallel: 8 });
    expect(node.status).toMatchObject({
      live: false,
      busy_slots: 3,
      last_heartbeat_at: new Date(t).toISOString(),
    });
    const kept = await api()
      .store.db.selectFrom('job_outcomes')
      .select('job_id')
      .where('node_id', '=', full.node_id)
      .execute();
    expect(kept).toEqual([{ job_id: 'job-1' }]);
    const slices = await api()
      .store.db.selectFrom('heartbeat_slices')
      .select('node_id')
      .where('node_id', '=', full.node_id)
      .execute();
    expect(slices.length).toBeGreaterThan(0);

    // Gone from the active list, refused for new telemetry and for a second delete.
    expect(((await get(api(), '/nodes')).json() as { nodes: NodeJson[] }).nodes).toEqual([]);
    expectProblem(await heartbeat(api(), full.node_id), 404, 'not-found');
    const again = await api().app.inject({
      method: 'DELETE',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
    });
    expectProblem(again, 404, 'not-found', /already deregistered/);
    const patch = await api().app.inject({
      method: 'PATCH',
      url: `/nodes/${full.node_id}`,
      headers: api().as('operator'),
      payload: { max_parallel: 2 },
    });
    expectProblem(patch, 404, 'not-found');
  });
});
