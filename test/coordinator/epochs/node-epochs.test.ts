import { expect, it } from 'vitest';
import type { SignedSettlement } from '../../../src/core/settlement/index.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get } from '../api/support.ts';
import {
  endOf,
  getJson,
  MINUTE_MS,
  makeNodes,
  registerNode,
  reportOf,
  startNetwork,
  submitReport,
  type TestNode,
  targetsOf,
  tickAt,
  useEpochApi,
  windowEndOf,
} from './support.ts';

type Published = SignedSettlement & { hash: string };

interface NodeEpochsJson {
  node_id: string;
  epochs: Array<Record<string, unknown> & { epoch: number }>;
}

describeEachBackend('API: GET /nodes/{node_id}/epochs', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = 3;
    c.rewards.pool_minor_units = '1000000';
  });

  /** Epoch 0 settled from every monitor's report (node-03 down 6 of 12 checks), epoch 1 from none. */
  async function twoSettledEpochs(): Promise<Published[]> {
    const nodes = await startNetwork(api(), 4);
    const plans = await Promise.all(
      nodes.map(async (n) => ({ n, targets: await targetsOf(api(), 0, n.id) })),
    );
    await tickAt(api(), endOf(0) + MINUTE_MS);
    for (const { n, targets } of plans) {
      const report = reportOf(n, 0, targets, { down: (t) => (t === 'node-03' ? 6 : 0) });
      expect((await submitReport(api(), n, 0, report)).statusCode).toBe(201);
    }
    await tickAt(api(), windowEndOf(0));
    await tickAt(api(), windowEndOf(1));
    return [
      await getJson<Published>(api(), '/epochs/1/settlement'),
      await getJson<Published>(api(), '/epochs/0/settlement'),
    ];
  }

  it('answers the node’s part of each settled epoch, newest first, as the signed settlement has it', async () => {
    const [one, zero] = (await twoSettledEpochs()) as [Published, Published];
    const body = await getJson<NodeEpochsJson>(api(), '/nodes/node-03/epochs');
    expect(body.node_id).toBe('node-03');
    expect(body.epochs.map((e) => e.epoch)).toEqual([1, 0]);

    const row0 = zero.settlement.nodes.find((n) => n.node === 'node-03')!;
    const { node: _, ...settled0 } = row0;
    expect(body.epochs[1]).toEqual({
      epoch: 0,
      start: '2026-11-01T00:00:00.000Z',
      start_ms: Date.UTC(2026, 10, 1),
      end: '2026-11-01T01:00:00.000Z',
      end_ms: Date.UTC(2026, 10, 1, 1),
      settled_at: new Date(windowEndOf(0)).toISOString(),
      settlement_hash: zero.hash,
      ...settled0,
      downtime_fraction: 0.5,
      uptime_fraction: 0.5,
      reward_pool: '1000000',
      total_reward: zero.settlement.total_reward,
    });
    expect(body.epochs[1]).toMatchObject({ checks: 12, downtime_intervals: 6, quorum_met: true });
    expect(BigInt(row0.reward)).toBeLessThan(250_000n);

    // Nobody reported in epoch 1: no quorum, no fractions, no reward, and the reason why.
    expect(body.epochs[0]).toMatchObject({
      epoch: 1,
      settlement_hash: one.hash,
      quorum_met: false,
      checks: null,
      downtime_intervals: null,
      downtime_fraction: null,
      uptime_fraction: null,
      latency_ms: null,
      score_ppm: null,
      reward: '0',
      reason: 'quorum_not_met',
      total_reward: '0',
    });

    const full = await getJson<NodeEpochsJson>(api(), '/nodes/node-00/epochs?limit=1');
    expect(full.epochs).toHaveLength(1);
    expect(full.epochs[0]).toMatchObject({ epoch: 1 });
    const first = await getJson<NodeEpochsJson>(api(), '/nodes/node-00/epochs?limit=2');
    expect(first.epochs[1]).toMatchObject({ reward: '250000', downtime_fraction: 0, uptime_fraction: 1 });
  });

  it('lists only the epochs the node was a member of, and keeps them after it is deregistered', async () => {
    await twoSettledEpochs();
    const [late] = makeNodes(1, 'late') as [TestNode];
    await registerNode(api(), late);
    expect((await getJson<NodeEpochsJson>(api(), `/nodes/${late.id}/epochs`)).epochs).toEqual([]);

    const removed = await api().app.inject({
      method: 'DELETE',
      url: '/nodes/node-01',
      headers: api().as('operator'),
    });
    expect(removed.statusCode).toBe(200);
    expect((await getJson<NodeEpochsJson>(api(), '/nodes/node-01/epochs')).epochs).toHaveLength(2);
  });

  it('refuses an unknown node with 404, a bad limit with 400 naming it, and a call without a key', async () => {
    await startNetwork(api(), 2);
    expectProblem(await get(api(), '/nodes/nobody/epochs'), 404, 'not-found', /nobody/);
    for (const limit of ['0', '101', 'abc', '-1', '1.5']) {
      const problem = expectProblem(
        await get(api(), `/nodes/node-00/epochs?limit=${limit}`),
        400,
        'invalid-request',
      );
      expect(problem['detail']).toContain('querystring.limit');
    }
    expectProblem(await get(api(), '/nodes/node-00/epochs?epoch=1'), 400, 'invalid-request', /"epoch"/);
    expectProblem(await get(api(), '/nodes/node-00/epochs', null), 401, 'unauthorized');
    expect((await getJson<NodeEpochsJson>(api(), '/nodes/node-00/epochs')).epochs).toEqual([]);
  });
});
