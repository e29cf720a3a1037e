import { beforeEach, expect, it } from 'vitest';
import { assignGroups } from '../../../src/core/monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get } from '../api/support.ts';
import {
  endOf,
  getJson,
  MINUTE_MS,
  makeNodes,
  registerNode,
  startNetwork,
  type TestNode,
  tickAt,
  useEpochApi,
} from './support.ts';

interface Member {
  node_id: string;
  public_key: string;
  endpoint: string | null;
  agent_url: string | null;
}
interface Whole {
  epoch: number;
  seed: string;
  group_size: number;
  members: Member[];
  groups: Array<{ target: string; monitors: string[] }>;
}

const GROUP_SIZE = 3;

describeEachBackend('API: epoch assignments', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = GROUP_SIZE;
  });
  let nodes: TestNode[];
  const seed0 = epochSeed(0, GENESIS_SETTLEMENT_HASH);

  beforeEach(async () => {
    nodes = await startNetwork(api(), 7);
  });

  it('publishes every member and group, exactly as assignGroups draws them from the seed', async () => {
    const whole = await getJson<Whole>(api(), '/epochs/0/assignments');
    const expected = assignGroups({ nodes: nodes.map((n) => n.id), groupSize: GROUP_SIZE, seedHex: seed0 });
    expect(whole.epoch).toBe(0);
    expect(whole.seed).toBe(seed0);
    expect(whole.group_size).toBe(GROUP_SIZE);
    expect(whole.members).toEqual(
      nodes.map((n) => ({
        node_id: n.id,
        public_key: n.publicKey,
        endpoint: `http://127.0.0.1/${n.id}`,
        agent_url: null,
      })),
    );
    expect(whole.groups).toEqual(
      nodes.map((n) => ({ target: n.id, monitors: [...(expected.monitorsOf.get(n.id) ?? [])].sort() })),
    );
    // Balanced: everyone audits and is audited by the group size, never itself.
    const audits = new Map<string, number>();
    for (const g of whole.groups) {
      expect(g.monitors).toHaveLength(GROUP_SIZE);
      expect(g.monitors).not.toContain(g.target);
      for (const m of g.monitors) audits.set(m, (audits.get(m) ?? 0) + 1);
    }
    expect([...audits.values()]).toEqual(nodes.map(() => GROUP_SIZE));
  });

  it('answers one node’s targets (monitor=) and one node’s monitors (target=), sorted, with current endpoints', async () => {
    const me = nodes[2] as TestNode;
    const patched = await api().app.inject({
      method: 'PATCH',
      url: `/nodes/${me.id}`,
      headers: api().as('operator'),
      payload: { endpoint: 'http://10.0.0.9:8080', agent_url: 'http://10.0.0.9:9100' },
    });
    expect(patched.statusCode).toBe(200);
    const expected = assignGroups({ nodes: nodes.map((n) => n.id), groupSize: GROUP_SIZE, seedHex: seed0 });

    const mine = await getJson<{ monitor: string; targets: Member[] }>(
      api(),
      `/epochs/0/assignments?monitor=${me.id}`,
    );
    expect(mine).toMatchObject({ epoch: 0, seed: seed0, group_size: GROUP_SIZE, monitor: me.id });
    expect(mine.targets.map((t) => t.node_id)).toEqual([...(expected.targetsOf.get(me.id) ?? [])].sort());

    const audited = await getJson<{ target: string; monitors: Member[] }>(
      api(),
      `/epochs/0/assignments?target=${me.id}`,
    );
    expect(audited.target).toBe(me.id);
    expect(audited.monitors.map((m) => m.node_id)).toEqual(
      [...(expected.monitorsOf.get(me.id) ?? [])].sort(),
    );

    // Whoever audits `me` finds it where it is now.
    const monitor = audited.monitors[0]?.node_id as string;
    const theirs = await getJson<{ targets: Member[] }>(api(), `/epochs/0/assignments?monitor=${monitor}`);
    expect(theirs.targets.find((t) => t.node_id === me.id)).toEqual({
      node_id: me.id,
      public_key: me.publicKey,
      endpoint: 'http://10.0.0.9:8080',
      agent_url: 'http://10.0.0.9:9100',
    });
  });

  it('refuses both monitor and target (400), a non-member (404) and an unknown epoch (404)', async () => {
    const a = nodes[0]?.id;
    expectProblem(
      await get(api(), `/epochs/0/assignments?monitor=${a}&target=${a}`),
      400,
      'invalid-request',
      /not both/,
    );
    const [late] = makeNodes(1, 'late');
    api().clock.now += MINUTE_MS;
    await registerNode(api(), late as TestNode);
    expectProblem(
      await get(api(), `/epochs/0/assignments?monitor=${late?.id}`),
      404,
      'not-found',
      /not a member of epoch 0/,
    );
    expectProblem(await get(api(), `/epochs/0/assignments?target=ghost`), 404, 'not-found');
    expectProblem(await get(api(), '/epochs/5/assignments'), 404, 'not-found');
    expectProblem(await get(api(), '/epochs/0/assignments?monitor=bad%20id'), 400, 'invalid-request');
  });

  it('is 409 epoch-not-ready with Retry-After until the previous epoch settles', async () => {
    await tickAt(api(), endOf(0) + MINUTE_MS);
    const res = await get(api(), `/epochs/1/assignments?monitor=${nodes[0]?.id}`);
    expectProblem(res, 409, 'epoch-not-ready', /until epoch 0 settles/);
    // Nine minutes to the window's end, plus one tick of the epoch clock.
    expect(Number(res.headers['retry-after'])).toBe(9 * 60 + 5);
    await tickAt(api(), endOf(0) + 10 * MINUTE_MS);
    const ready = await getJson<{ seed: string }>(api(), `/epochs/1/assignments?monitor=${nodes[0]?.id}`);
    expect(ready.seed).toMatch(/^[0-9a-f]{64}$/);
  });
});
