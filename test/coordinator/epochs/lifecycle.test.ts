import { expect, it } from 'vitest';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get } from '../api/support.ts';
import {
  countRows,
  EPOCH_MS,
  endOf,
  GENESIS_MS,
  getJson,
  MINUTE_MS,
  makeNodes,
  registerNode,
  startNetwork,
  startOf,
  type TestNode,
  tickAt,
  useEpochApi,
  windowEndOf,
} from './support.ts';

interface EpochJson {
  epoch: number;
  start: string;
  start_ms: number;
  end_ms: number;
  report_window_end_ms: number;
  state: string;
  seed: string | null;
  previous_settlement_hash: string | null;
  members: number | null;
  group_size: number | null;
  settlement_hash: string | null;
  monitoring: Record<string, number>;
}

const epochOf = (api: Parameters<typeof getJson>[0], n: number | 'current') =>
  getJson<EpochJson>(api, `/epochs/${n}`);

async function memberIds(api: Parameters<typeof getJson>[0], n: number): Promise<string[]> {
  const rows = await api.store.db
    .selectFrom('epoch_members')
    .select('node_id')
    .where('epoch', '=', n)
    .execute();
  return rows.map((r) => r.node_id).sort();
}

describeEachBackend('epochs: the lifecycle', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = 2;
  });

  it('has no current epoch before genesis, with the reason', async () => {
    const summary = await tickAt(api(), GENESIS_MS - 1);
    expect(summary.current).toBeNull();
    expectProblem(
      await get(api(), '/epochs/current'),
      404,
      'not-found',
      /no current epoch.*2026-11-01T00:00:00/,
    );
    expectProblem(await get(api(), '/epochs/0'), 404, 'not-found', /has not started/);
    expect(await countRows(api(), 'epochs')).toBe(0);
  });

  it('shows an epoch through open, reporting, settling and settled, seeding the next from its settlement', async () => {
    await startNetwork(api(), 4);
    const open = await epochOf(api(), 'current');
    expect(open).toEqual({
      epoch: 0,
      start: '2026-11-01T00:00:00.000Z',
      start_ms: startOf(0),
      end: '2026-11-01T01:00:00.000Z',
      end_ms: endOf(0),
      report_window_end: '2026-11-01T01:10:00.000Z',
      report_window_end_ms: windowEndOf(0),
      state: 'open',
      seed: epochSeed(0, GENESIS_SETTLEMENT_HASH),
      previous_settlement_hash: GENESIS_SETTLEMENT_HASH,
      members: 4,
      group_size: 2,
      settlement_hash: null,
      monitoring: { probe_interval_s: 300, probe_timeout_ms: 5000, interim_period_s: 900 },
      first_recorded: 0,
    });

    await tickAt(api(), endOf(0) + MINUTE_MS);
    expect((await epochOf(api(), 0)).state).toBe('reporting');
    const next = await epochOf(api(), 'current');
    expect(next).toMatchObject({
      epoch: 1,
      state: 'open',
      members: 4,
      seed: null,
      previous_settlement_hash: null,
    });

    // Window closed, the ticker not yet run: settling.
    api().clock.now = windowEndOf(0);
    expect((await epochOf(api(), 0)).state).toBe('settling');
    expectProblem(await get(api(), '/epochs/0/settlement'), 409, 'not-settled');

    const summary = await tickAt(api(), windowEndOf(0));
    expect(summary.settled).toEqual([0]);
    const settled = await epochOf(api(), 0);
    expect(settled.state).toBe('settled');
    const { hash } = await getJson<{ hash: string }>(api(), '/epochs/0/settlement');
    expect(settled.settlement_hash).toBe(hash);
    const seeded = await epochOf(api(), 1);
    expect(seeded.previous_settlement_hash).toBe(hash);
    expect(seeded.seed).toBe(epochSeed(1, hash));
  });

  it('shows the current epoch before the ticker recorded it, with its unknowns null', async () => {
    api().clock.now = GENESIS_MS + MINUTE_MS;
    const view = await epochOf(api(), 'current');
    expect(view).toMatchObject({ epoch: 0, state: 'open', seed: null, members: null, group_size: null });
    expect(await countRows(api(), 'epochs')).toBe(0);
  });

  it('starts from the epoch current at first start: earlier ones are 404, that one is seeded from genesis', async () => {
    await tickAt(api(), startOf(3) + 5 * MINUTE_MS);
    expectProblem(
      await get(api(), '/epochs/2'),
      404,
      'not-found',
      /before the first epoch this coordinator recorded \(3\)/,
    );
    expectProblem(await get(api(), '/epochs/4'), 404, 'not-found', /has not started; the current epoch is 3/);
    const first = await epochOf(api(), 3);
    expect(first.previous_settlement_hash).toBe(GENESIS_SETTLEMENT_HASH);
    expect(first.seed).toBe(epochSeed(3, GENESIS_SETTLEMENT_HASH));
    expect(first.members).toBe(0);
    expect(first.group_size).toBe(0);
    // The current epoch says how far back the list goes, so a reader need not probe for the 404.
    await tickAt(api(), startOf(5) + MINUTE_MS);
    const current = await get(api(), '/epochs/current');
    expect(current.json()).toMatchObject({ epoch: 5, first_recorded: 3 });
  });

  it('takes members as the registry stood at the epoch start: later joiners wait for the next epoch', async () => {
    const [early, late, keyless] = makeNodes(3);
    api().clock.now = GENESIS_MS - MINUTE_MS;
    await registerNode(api(), early as TestNode);
    await registerNode(api(), keyless as TestNode, { public_key: null });
    await tickAt(api(), GENESIS_MS);
    api().clock.now = GENESIS_MS + MINUTE_MS;
    await registerNode(api(), late as TestNode);
    await tickAt(api(), GENESIS_MS + 2 * MINUTE_MS);
    expect(await memberIds(api(), 0)).toEqual([early?.id]);
    await tickAt(api(), startOf(1));
    expect(await memberIds(api(), 1)).toEqual([early?.id, late?.id].sort());
  });

  it('after a downtime records the missed epochs, snapshots them as of their starts and settles them in order', async () => {
    const nodes = await startNetwork(api(), 3);
    const [a, b] = nodes as [TestNode, TestNode, TestNode];
    // While the coordinator's ticker is down: one node leaves in epoch 1, one joins in epoch 2.
    api().clock.now = startOf(1) + 10 * MINUTE_MS;
    const del = await api().app.inject({
      method: 'DELETE',
      url: `/nodes/${a.id}`,
      headers: api().as('operator'),
    });
    expect(del.statusCode).toBe(200);
    const [joiner] = makeNodes(1, 'joiner');
    api().clock.now = startOf(2) + 10 * MINUTE_MS;
    await registerNode(api(), joiner as TestNode);

    const summary = await tickAt(api(), startOf(4) + 30 * MINUTE_MS);
    expect(summary.recorded).toEqual([1, 2, 3, 4]);
    expect(summary.settled).toEqual([0, 1, 2, 3]);
    expect(await memberIds(api(), 1)).toEqual(nodes.map((n) => n.id));
    expect(await memberIds(api(), 2)).toEqual(nodes.slice(1).map((n) => n.id));
    expect(await memberIds(api(), 3)).toEqual([b.id, nodes[2]?.id, joiner?.id].sort());

    let previous = GENESIS_SETTLEMENT_HASH;
    for (let n = 0; n <= 4; n++) {
      const view = await epochOf(api(), n);
      expect(view.previous_settlement_hash, `epoch ${n}`).toBe(previous);
      expect(view.seed, `epoch ${n}`).toBe(epochSeed(n, previous));
      if (n < 4) {
        expect(view.state).toBe('settled');
        previous = view.settlement_hash as string;
      }
    }
    expect((await epochOf(api(), 4)).state).toBe('open');
  });

  it('does nothing twice: a second tick at the same instant records, snapshots and settles nothing', async () => {
    await startNetwork(api(), 2);
    await tickAt(api(), windowEndOf(0));
    const again = await tickAt(api(), windowEndOf(0));
    expect(again).toEqual({ current: 1, recorded: [], snapshots: [], settled: [] });
    expect(await countRows(api(), 'settlements')).toBe(1);
    expect(await countRows(api(), 'epochs')).toBe(2);
  });

  it('publishes the current epoch in /metrics', async () => {
    await tickAt(api(), startOf(2) + EPOCH_MS / 2);
    const text = (await get(api(), '/metrics')).body;
    expect(text).toMatch(/^vigil_epoch_current 2$/m);
  });
});
