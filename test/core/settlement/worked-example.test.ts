import { describe, expect, it } from 'vitest';
import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import { reportDigest, signReport } from '../../../src/core/reports/sign.ts';
import { buildReport } from '../../../src/core/reports/summarize.ts';
import type { ProbeSample, SignedReport } from '../../../src/core/reports/types.ts';
import {
  GENESIS_SETTLEMENT_HASH,
  settlementHash,
  signSettlement,
  verifySettlement,
} from '../../../src/core/settlement/document.ts';
import { merkleRoot } from '../../../src/core/settlement/merkle.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import { keyNamed } from '../crypto/keys.ts';
import { keyOf, keysFor } from './network.ts';

// The worked example of docs/settlement.md, end to end: probes → reports → signatures → settlement.

const NODES = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
const EPOCH_START_MS = Date.UTC(2025, 0, 1);
const PROBE_INTERVAL_MS = 300_000;

/** Every node is audited by the other four. */
const assignments = new Map(NODES.map((node) => [node, NODES.filter((m) => m !== node)]));

/** [samples, down, latency of every up probe]: what each monitor logged about each target. */
type Logged = [samples: number, down: number, latency: number | null];
const LOGGED: Record<string, Record<string, Logged>> = {
  alpha: {
    bravo: [8640, 400, 52.5],
    charlie: [8640, 286, 300],
    delta: [8640, 8640, null],
    echo: [8640, 0, 20],
  },
  bravo: {
    alpha: [8640, 12, 41.2],
    charlie: [8640, 288, 310.5],
    delta: [8640, 8640, null],
    echo: [8640, 0, 22.5],
  },
  charlie: {
    alpha: [8638, 10, 39.8],
    bravo: [8640, 432, 55],
    delta: [8640, 8640, null],
    echo: [8640, 3, 21],
  },
  // delta was down all epoch and sent nothing. echo lies about everyone.
  echo: { alpha: [8640, 8640, null], bravo: [8640, 0, 1], charlie: [8640, 5000, 2000], delta: [8640, 0, 35] },
};

function probes([samples, down, latency]: Logged): ProbeSample[] {
  return Array.from({ length: samples }, (_, i) => ({
    at_ms: EPOCH_START_MS + i * PROBE_INTERVAL_MS,
    up: i >= down,
    latency_ms: i >= down ? latency : null,
  }));
}

function reportOf(monitor: string, epoch: number): SignedReport {
  const logged = LOGGED[monitor] as Record<string, Logged>;
  const report = buildReport({
    epoch,
    monitor,
    created_at_ms: EPOCH_START_MS + 30 * 86_400_000 + 60_000,
    probe_interval_s: PROBE_INTERVAL_MS / 1000,
    samples: new Map(Object.entries(logged).map(([target, l]) => [target, probes(l)])),
  });
  return signReport(report, keyOf(monitor));
}

const reports = ['alpha', 'bravo', 'charlie', 'echo'].map((m) => reportOf(m, 7));
const coordinatorKey = keyNamed('coordinator');

const epoch7 = settleEpoch({
  epoch: 7,
  previousSettlementHash: GENESIS_SETTLEMENT_HASH,
  assignments,
  reports,
  monitorKeys: keysFor(NODES),
  rewardPool: '1000000',
});

const row = (node: string, checks: number, down: number, latency: number, score: number, reward: string) => ({
  node,
  monitors_assigned: 4,
  reports_counted: node === 'delta' ? 4 : 3,
  quorum_required: 2,
  quorum_met: true,
  checks,
  downtime_intervals: down,
  latency_ms: latency,
  score_ppm: score,
  reward,
  reason: reward === '0' ? 'zero_score' : null,
});

describe('worked example (docs/settlement.md)', () => {
  it('epoch 7: medians outvote echo, and rewards follow the formula', () => {
    expect(epoch7.parameters).toEqual({
      reward_pool: '1000000',
      quorum_fraction: '1/2',
      downtime_allowance_fraction: '1/30',
      latency_allowance_ms: 150,
    });
    expect(epoch7.nodes).toEqual([
      row('alpha', 8640, 12, 39.8, 1_000_000, '200000'),
      row('bravo', 8640, 400, 52.5, 953_703, '190740'),
      row('charlie', 8640, 288, 310.5, 483_091, '96618'),
      row('delta', 8640, 8640, 35, 0, '0'),
      row('echo', 8640, 0, 21, 1_000_000, '200000'),
    ]);
    expect(epoch7.total_reward).toBe('687358');
    expect(epoch7.withheld).toBe('312642');
    expect(epoch7.reports_accepted).toBe(4);
    expect(epoch7.reports_rejected).toEqual([]);
    expect(epoch7.reports_merkle_root).toBe(merkleRoot(reports.map(reportDigest)));
  });

  it('epoch 8: with only echo’s report nobody reaches a quorum, and the chain links to epoch 7', () => {
    const signed7 = signSettlement(epoch7, coordinatorKey);
    const coordinatorPublic = exportPublicKey(publicKeyOf(coordinatorKey));
    expect(verifySettlement(signed7, coordinatorPublic)).toBe(true);

    const epoch8 = settleEpoch({
      epoch: 8,
      previousSettlementHash: settlementHash(signed7.settlement),
      assignments,
      reports: [reportOf('echo', 8)],
      monitorKeys: keysFor(NODES),
      rewardPool: '1000000',
    });
    expect(epoch8.previous_settlement_hash).toBe(settlementHash(epoch7));
    expect(epoch8.nodes.map((n) => [n.node, n.reports_counted, n.quorum_met, n.reward, n.reason])).toEqual([
      ['alpha', 1, false, '0', 'quorum_not_met'],
      ['bravo', 1, false, '0', 'quorum_not_met'],
      ['charlie', 1, false, '0', 'quorum_not_met'],
      ['delta', 1, false, '0', 'quorum_not_met'],
      ['echo', 0, false, '0', 'quorum_not_met'],
    ]);
    // The row docs/settlement.md shows for a node without a quorum, member for member.
    expect(epoch8.nodes[0]).toStrictEqual({
      node: 'alpha',
      monitors_assigned: 4,
      reports_counted: 1,
      quorum_required: 2,
      quorum_met: false,
      checks: null,
      downtime_intervals: null,
      latency_ms: null,
      score_ppm: null,
      reward: '0',
      reason: 'quorum_not_met',
    });
    expect(epoch8.total_reward).toBe('0');
    expect(epoch8.withheld).toBe('1000000');
  });
});
