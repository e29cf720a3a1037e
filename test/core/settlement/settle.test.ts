import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import type { PublicKeyInput } from '../../../src/core/crypto/ed25519.ts';
import { sha256Hex } from '../../../src/core/crypto/hash.ts';
import { reportDigest } from '../../../src/core/reports/sign.ts';
import type { SignedReport } from '../../../src/core/reports/types.ts';
import { GENESIS_SETTLEMENT_HASH } from '../../../src/core/settlement/document.ts';
import { merkleRoot } from '../../../src/core/settlement/merkle.ts';
import { type SettleEpochInput, settleEpoch } from '../../../src/core/settlement/settle.ts';
import type { Settlement } from '../../../src/core/settlement/types.ts';
import { cyclicAssignments, keyOf, keysFor, signedBy, summary } from './network.ts';
import { byMonitorThenDigest, EPOCH, input } from './scenario.ts';

describe('settleEpoch: which reports count', () => {
  const nodes = ['node-a', 'node-b', 'node-c', 'node-d'];
  const assignments = cyclicAssignments(nodes, 2); // a ← b, c; b ← c, d; c ← d, a; d ← a, b
  const entry = (target: string) => summary(target, 100, 10, 50);
  const targetsOf = (monitor: string) =>
    [...assignments].filter(([, ms]) => ms.includes(monitor)).map(([target]) => entry(target));
  const honest = nodes.map((m) => signedBy(m, EPOCH, targetsOf(m)));
  const base = { nodes, assignments, liars: new Set<string>(), observations: new Map(), reports: honest };
  const clean = settleEpoch(input(base));

  function settleWith(extra: unknown[], overrides: Partial<SettleEpochInput> = {}): Settlement {
    return settleEpoch(input(base, { reports: [...honest, ...extra], ...overrides }));
  }

  it('counts every honest report once', () => {
    expect(clean.reports_accepted).toBe(4);
    expect(clean.reports_rejected).toEqual([]);
    expect(clean.nodes.map((n) => n.reports_counted)).toEqual([2, 2, 2, 2]);
    expect(settleWith([honest[0], honest[1]])).toEqual(clean);
  });

  it('rejects, with a reason, reports that must not count, and they change nothing', () => {
    const outsider = signedBy('node-x', EPOCH, [entry('node-a')]);
    const forged = {
      report: signedBy('node-b', EPOCH, [summary('node-a', 100, 100, null)]).report,
      signature: outsider.signature,
    };
    const future = signedBy('node-a', EPOCH + 1, targetsOf('node-a'));
    const missingField: Record<string, unknown> = { ...honest[1]?.report };
    delete missingField['created_at_ms'];
    const malformed = { report: missingField, signature: honest[1]?.signature };
    const unencodable = {
      report: { ...honest[2]?.report, epoch: Number.NaN },
      signature: honest[2]?.signature,
    };
    const settlement = settleWith([outsider, forged, future, malformed, unencodable]);
    expect(settlement.nodes).toEqual(clean.nodes);
    expect(settlement.reports_merkle_root).toBe(clean.reports_merkle_root);
    expect(settlement.reports_rejected).toEqual(
      byMonitorThenDigest([
        { monitor: 'node-a', digest: reportDigest(future), reason: 'wrong_epoch' },
        { monitor: 'node-b', digest: reportDigest(forged), reason: 'bad_signature' },
        { monitor: 'node-b', digest: sha256Hex(canonicalJson(malformed)), reason: 'malformed' },
        { monitor: 'node-c', digest: null, reason: 'malformed' },
        { monitor: 'node-x', digest: reportDigest(outsider), reason: 'not_assigned' },
      ]),
    );
    expect(settleWith([{ nonsense: true }, 42]).reports_rejected).toEqual(
      byMonitorThenDigest([
        { monitor: null, digest: sha256Hex('42'), reason: 'malformed' },
        { monitor: null, digest: sha256Hex('{"nonsense":true}'), reason: 'malformed' },
      ]),
    );
  });

  it('rejects a monitor without a usable registered key', () => {
    const keys = new Map<string, PublicKeyInput>(keysFor(nodes));
    keys.delete('node-d');
    keys.set('node-c', 'not a key');
    keys.set('node-b', keyOf('node-b')); // a private key where a public one belongs
    const settlement = settleEpoch(input(base, { monitorKeys: keys }));
    expect(settlement.reports_rejected.map((r) => [r.monitor, r.reason])).toEqual([
      ['node-b', 'unknown_key'],
      ['node-c', 'unknown_key'],
      ['node-d', 'unknown_key'],
    ]);
    expect(settlement.reports_rejected[2]?.digest).toBe(reportDigest(honest[3] as SignedReport));
    expect(settlement.nodes.find((n) => n.node === 'node-a')?.reports_counted).toBe(0);
  });

  it('counts neither of two different reports from one monitor', () => {
    const second = signedBy('node-a', EPOCH, targetsOf('node-a'), 1_700_000_000_001);
    const settlement = settleWith([second]);
    expect(settlement.reports_rejected.map((r) => [r.monitor, r.reason])).toEqual([
      ['node-a', 'conflicting_reports'],
      ['node-a', 'conflicting_reports'],
    ]);
    expect(settlement.reports_accepted).toBe(3);
    expect(settlement.nodes.find((n) => n.node === 'node-c')?.reports_counted).toBe(1);
  });

  it('ignores entries for targets the monitor was not assigned, and entries without samples', () => {
    // node-a audits c and d; its word about b is ignored, and it has no samples of d.
    const a = signedBy('node-a', EPOCH, [
      summary('node-b', 100, 100, null),
      entry('node-c'),
      summary('node-d', 0, 0, null),
    ]);
    const settlement = settleEpoch(input(base, { reports: [a, ...honest.slice(1)] }));
    const row = (node: string) => settlement.nodes.find((n) => n.node === node);
    expect(row('node-b')).toEqual(clean.nodes.find((n) => n.node === 'node-b'));
    expect(row('node-d')?.reports_counted).toBe(1);
    expect(row('node-c')?.reports_counted).toBe(2);
  });

  it('rejects as malformed a report whose mean latency is not whole microseconds, so it cannot be a median', () => {
    // Between honest means of 150 and 151 ms, 150.0005 would be the lower median, and its
    // rounding to microseconds (150000 or 150001) would decide the score.
    const group = ['m-1', 'm-2', 'm-3'];
    const liar = signedBy('m-2', EPOCH, [summary('slow-node', 100, 0, 150.0005)]);
    const settlement = settleEpoch({
      epoch: EPOCH,
      previousSettlementHash: GENESIS_SETTLEMENT_HASH,
      assignments: new Map([['slow-node', group]]),
      reports: [
        signedBy('m-1', EPOCH, [summary('slow-node', 100, 0, 150)]),
        liar,
        signedBy('m-3', EPOCH, [summary('slow-node', 100, 0, 151)]),
      ],
      monitorKeys: keysFor(group),
      rewardPool: 1_000_000n,
    });
    expect(settlement.reports_rejected).toEqual([
      { monitor: 'm-2', digest: reportDigest(liar), reason: 'malformed' },
    ]);
    expect(settlement.nodes[0]).toMatchObject({ reports_counted: 2, latency_ms: 150, score_ppm: 1_000_000 });
  });

  it('says why a node earned nothing', () => {
    const lonely = settleEpoch(input(base, { assignments: new Map([['node-a', []]]), reports: [] }));
    expect(lonely.nodes).toEqual([
      {
        node: 'node-a',
        monitors_assigned: 0,
        reports_counted: 0,
        quorum_required: 1,
        quorum_met: false,
        checks: null,
        downtime_intervals: null,
        latency_ms: null,
        score_ppm: null,
        reward: '0',
        reason: 'no_monitors',
      },
    ]);
    expect(lonely.reports_merkle_root).toBe(merkleRoot([]));
    const tiny = settleEpoch(input(base, { rewardPool: '3' }));
    expect(tiny.nodes.map((n) => n.reason)).toEqual(Array(4).fill('rounded_to_zero'));
    expect(tiny.withheld).toBe('3');
    const dead = nodes.map((m) =>
      signedBy(
        m,
        EPOCH,
        targetsOf(m).map((t) => summary(t.target, 100, 100, null)),
      ),
    );
    expect(settleEpoch(input(base, { reports: dead })).nodes.map((n) => [n.score_ppm, n.reason])).toEqual(
      Array(4).fill([0, 'zero_score']),
    );
  });

  it('takes checks and downtime from the monitor at the median downtime share, so a node down all epoch scores 0', () => {
    const group = ['m-1', 'm-2', 'm-3'];
    const settlement = settleEpoch({
      epoch: EPOCH,
      previousSettlementHash: GENESIS_SETTLEMENT_HASH,
      assignments: new Map([['down-node', group]]),
      reports: [
        signedBy('m-1', EPOCH, [summary('down-node', 8637, 8637, null)]),
        signedBy('m-2', EPOCH, [summary('down-node', 8640, 8640, null)]),
        signedBy('m-3', EPOCH, [summary('down-node', 8640, 0, 10)]),
      ],
      monitorKeys: keysFor(group),
      rewardPool: 1_000_000n,
    });
    // Separate medians would pair checks 8640 with downtime 8637: 347 ppm for a dead node.
    expect(settlement.nodes[0]).toMatchObject({ checks: 8637, downtime_intervals: 8637, score_ppm: 0 });
  });

  it('records its parameters exactly', () => {
    const settlement = settleWith([], {
      rewardPool: '123456789012345678901234567890',
      quorumFraction: 0.75,
      downtimeAllowanceFraction: '2/60',
      latencyAllowanceMs: 99.5,
    });
    expect(settlement.parameters).toEqual({
      reward_pool: '123456789012345678901234567890',
      quorum_fraction: '3/4',
      downtime_allowance_fraction: '1/30',
      latency_allowance_ms: 99.5,
    });
    expect(settlement.nodes[0]?.quorum_required).toBe(2);
  });

  it('refuses inputs it cannot settle', () => {
    const bad: Array<[Partial<SettleEpochInput>, RegExp]> = [
      [{ epoch: -1 }, /epoch must be an integer/],
      [{ previousSettlementHash: 'abc' }, /previous settlement hash/],
      [{ rewardPool: '1.5' }, /whole minor units/],
      [{ rewardPool: -1n }, /must not be negative/],
      [{ quorumFraction: 0 }, /quorum fraction must be in \(0, 1\]/],
      [{ quorumFraction: '3/2' }, /quorum fraction/],
      [{ downtimeAllowanceFraction: 1 }, /downtime allowance fraction must be in \[0, 1\)/],
      [{ latencyAllowanceMs: 0 }, /latency allowance/],
      [{ latencyAllowanceMs: Number.NaN }, /latency allowance/],
      [{ assignments: new Map([['node-a', ['node-a']]]) }, /node-a is assigned to audit itself/],
      [{ assignments: new Map([['node-a', ['node-b', 'node-b']]]) }, /repeats a monitor/],
    ];
    for (const [overrides, message] of bad)
      expect(() => settleEpoch(input(base, overrides))).toThrow(message);
  });
});
