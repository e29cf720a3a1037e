import { expect, it } from 'vitest';
import { computeSettlement, settleAndStore } from '../../../src/coordinator/epochs/settlement/settle.ts';
import { canonicalJson } from '../../../src/core/crypto/index.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import {
  type Settlement,
  type SignedSettlement,
  settlementHash,
  verifySettlement,
} from '../../../src/core/settlement/index.ts';
import { getEpoch } from '../../../src/store/repositories/epochs.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get } from '../api/support.ts';
import {
  countRows,
  endOf,
  getJson,
  MINUTE_MS,
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

describeEachBackend('epochs: settlement', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = 3;
    c.rewards.pool_minor_units = '1000000';
  });

  /** Four nodes; every monitor reports; node-03 was down 6 of 12 checks by every account. */
  async function settledEpoch0(): Promise<{ nodes: TestNode[]; published: Published }> {
    const nodes = await startNetwork(api(), 4);
    const plans = await Promise.all(
      nodes.map(async (n) => ({ n, targets: await targetsOf(api(), 0, n.id) })),
    );
    await tickAt(api(), endOf(0) + MINUTE_MS);
    for (const { n, targets } of plans) {
      const report = reportOf(n, 0, targets, { down: (t) => (t === 'node-03' ? 6 : 0) });
      expect((await submitReport(api(), n, 0, report)).statusCode).toBe(201);
    }
    const res = await get(api(), '/epochs/0/settlement');
    expectProblem(res, 409, 'not-settled', /report window closes at 2026-11-01T01:10/);
    expect(Number(res.headers['retry-after'])).toBe(9 * 60 + 5);
    await tickAt(api(), windowEndOf(0));
    return { nodes, published: await getJson<Published>(api(), '/epochs/0/settlement') };
  }

  it('settles when the report window closes: every member, the reports, signed by the identity key', async () => {
    const { nodes, published } = await settledEpoch0();
    const { settlement } = published;
    expect(settlement).toMatchObject({
      version: 1,
      epoch: 0,
      previous_settlement_hash: GENESIS_SETTLEMENT_HASH,
      reports_accepted: 4,
      reports_rejected: [],
      parameters: {
        reward_pool: '1000000',
        quorum_fraction: '1/2',
        downtime_allowance_fraction: '1/30',
        latency_allowance_ms: 150,
      },
    });
    expect(settlement.nodes.map((n) => n.node)).toEqual(nodes.map((n) => n.id));
    for (const row of settlement.nodes) {
      expect(row).toMatchObject({ monitors_assigned: 3, reports_counted: 3, quorum_met: true, checks: 12 });
      expect(row.downtime_intervals).toBe(row.node === 'node-03' ? 6 : 0);
    }
    // A full node earns pool/4; node-03 was down half the time, beyond the 1/30 allowance.
    expect(settlement.nodes.find((n) => n.node === 'node-00')?.reward).toBe('250000');
    expect(BigInt(settlement.nodes.find((n) => n.node === 'node-03')?.reward ?? '0')).toBeLessThan(250000n);

    expect(published.hash).toBe(settlementHash(settlement));
    const { public_key } = await getJson<{ public_key: string }>(api(), '/coordinator/identity');
    expect(public_key).toBe(api().epochs.key.publicKey);
    expect(verifySettlement(published, public_key)).toBe(true);
    const tampered: Settlement = { ...settlement, total_reward: '1' };
    expect(verifySettlement({ settlement: tampered, signature: published.signature }, public_key)).toBe(
      false,
    );
  });

  it('settles again to the identical document, and never stores a second one', async () => {
    const { published } = await settledEpoch0();
    const stored = await api().store.db.selectFrom('settlements').selectAll().executeTakeFirstOrThrow();
    expect(stored.document).toBe(canonicalJson(published.settlement));

    const row = await getEpoch(api().store.db, 0);
    const again = await computeSettlement(api().store.db, row!, api().config);
    expect(canonicalJson(again)).toBe(stored.document);
    // The same on worker threads, the path large epochs take.
    const threaded = await computeSettlement(api().store.db, row!, api().config, { parallelFromReports: 1 });
    expect(canonicalJson(threaded)).toBe(stored.document);

    // Even asked to settle once more, with the clock moved on, the stored row stays as it was.
    api().clock.now += 3 * MINUTE_MS;
    const kept = await api().store.exclusive('epochs', (trx) =>
      settleAndStore(trx, row!, { settings: api().config, key: api().epochs.key, now: api().clock.now }),
    );
    expect(kept).toEqual(stored);
    await tickAt(api(), api().clock.now);
    expect(await countRows(api(), 'settlements')).toBe(1);
    expect(await getJson<Published>(api(), '/epochs/0/settlement')).toEqual(published);
  });

  it('chains: epoch n+1 names settlement n’s hash and is seeded from it, also when nobody reported', async () => {
    const { published } = await settledEpoch0();
    const one = await getJson<{ previous_settlement_hash: string; seed: string }>(api(), '/epochs/1');
    expect(one.previous_settlement_hash).toBe(published.hash);
    expect(one.seed).toBe(epochSeed(1, published.hash));

    await tickAt(api(), windowEndOf(1));
    const settled1 = await getJson<Published>(api(), '/epochs/1/settlement');
    expect(settled1.settlement.previous_settlement_hash).toBe(published.hash);
    expect(settled1.settlement.reports_accepted).toBe(0);
    expect(settled1.settlement.nodes.every((n) => n.reason === 'quorum_not_met')).toBe(true);
    expect(settled1.settlement.withheld).toBe('1000000');
    const two = await getJson<{ previous_settlement_hash: string; seed: string }>(api(), '/epochs/2');
    expect(two).toMatchObject({ previous_settlement_hash: settled1.hash, seed: epochSeed(2, settled1.hash) });
  });

  it('publishes settlements in /metrics', async () => {
    await settledEpoch0();
    const text = (await get(api(), '/metrics')).body;
    expect(text).toMatch(/^vigil_epoch_settlements_total 1$/m);
    expect(text).toMatch(/^vigil_epoch_last_settled 0$/m);
    expect(text).toMatch(/^vigil_epoch_reports_accepted\{epoch="0"\} 4$/m);
  });
});
