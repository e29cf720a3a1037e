import { describe, expect, it } from 'vitest';
import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import { assignGroups } from '../../../src/core/monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import { reportDigest, signReport } from '../../../src/core/reports/sign.ts';
import { settlementHash, signSettlement } from '../../../src/core/settlement/document.ts';
import {
  checkPreviousSettlement,
  compareGroups,
  VERIFICATION_CHECKS,
  type VerifyEpochInput,
  verifyEpoch,
  verifyPublishedEpoch,
} from '../../../src/core/settlement/verify-epoch.ts';
import { keyNamed } from '../crypto/keys.ts';
import {
  COORDINATOR_PUBLIC_KEY,
  type EpochFixture,
  publishSettlement,
  twoEpochs,
} from './published-epoch.ts';

const clone = <T>(value: T): T => structuredClone(value);

function inputOf(fixture: EpochFixture): VerifyEpochInput {
  return {
    epoch: fixture.epoch,
    assignments: fixture.assignments,
    reports: fixture.reports,
    settlement: fixture.settlement,
    previousSettlementHash: fixture.previousSettlementHash,
    coordinatorKey: COORDINATOR_PUBLIC_KEY,
  };
}

describe('verifyEpoch', () => {
  it('finds nothing to say about a consistent epoch, first recorded or chained', () => {
    const { first, second } = twoEpochs();
    for (const fixture of [first, second]) {
      const result = verifyEpoch(inputOf(fixture));
      expect(result.differences).toEqual([]);
      expect(result.ok).toBe(true);
    }
    const { summary } = verifyEpoch(inputOf(second));
    expect(summary).toEqual({
      epoch: 5,
      members: 6,
      group_size: 3,
      reports_published: 6,
      reports_accepted: 6,
      reports_rejected: 0,
      reward_pool: '1200000',
      total_reward: second.settlement.settlement.total_reward,
      withheld: second.settlement.settlement.withheld,
      settlement_hash: second.settlement.hash,
      previous_settlement_hash: settlementHash(first.settlement.settlement),
    });
    // The fixture's rewards are not all equal, so a changed reward is a real change.
    const rewards = new Set(second.settlement.settlement.nodes.map((n) => n.reward));
    expect(rewards.size).toBeGreaterThan(1);
  });

  it('names the one node whose reward was changed and re-signed', () => {
    const { second } = twoEpochs();
    const settlement = clone(second.settlement.settlement);
    const row = settlement.nodes.find((n) => n.node === 'bravo')!;
    const original = row.reward;
    row.reward = String(BigInt(original) + 1n);
    const result = verifyEpoch({ ...inputOf(second), settlement: publishSettlement(settlement) });
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual([
      `epoch: settlement_hash is "${second.settlement.hash}", the settlement's hash is ${settlementHash(settlement)}`,
      `settlement $.nodes[node=bravo].reward: expected "${original}", got "${row.reward}"`,
    ]);
  });

  it('sees a dropped report in the recomputed settlement', () => {
    const { second } = twoEpochs();
    const dropped = second.reports.find((r) => r.report.monitor === 'echo')!;
    const reports = second.reports.filter((r) => r !== dropped);
    const result = verifyEpoch({ ...inputOf(second), reports });
    expect(result.ok).toBe(false);
    expect(result.differences).toContain('settlement $.reports_accepted: expected 5, got 6');
    expect(result.differences.some((d) => d.startsWith('settlement $.reports_merkle_root: expected'))).toBe(
      true,
    );
    // Each of echo's targets lost one counted report.
    const targets = dropped.report.targets.map((t) => t.target);
    for (const target of targets) {
      expect(result.differences).toContain(
        `settlement $.nodes[node=${target}].reports_counted: expected 2, got 3`,
      );
    }
    expect(result.differences.every((d) => d.startsWith('settlement $.'))).toBe(true);
  });

  it('lists a report whose signature was forged', () => {
    const { second } = twoEpochs();
    const reports = clone(second.reports);
    const index = reports.findIndex((r) => r.report.monitor === 'charlie');
    // Signed by someone else's key: well formed, but not charlie's signature.
    const forged = signReport(reports[index]!.report, keyNamed('mallory'));
    reports[index] = forged;
    const result = verifyEpoch({ ...inputOf(second), reports });
    expect(result.ok).toBe(false);
    expect(result.differences).toContain(
      `reports: report of charlie (digest ${reportDigest(forged).slice(0, 16)}…): signature does not verify under charlie's snapshot key`,
    );
    // Recomputed, charlie's report is rejected, which the published settlement does not say.
    expect(result.differences).toContain('settlement $.reports_accepted: expected 5, got 6');
    expect(result.differences).toContain(
      `settlement $.reports_rejected[0]: missing, expected ${JSON.stringify({ monitor: 'charlie', digest: reportDigest(forged), reason: 'bad_signature' })}`,
    );
  });

  it('names both groups when two published groups are swapped', () => {
    const { second } = twoEpochs();
    const assignments = clone(second.assignments);
    const [a, b] = [assignments.groups[0]!, assignments.groups[3]!];
    [a.monitors, b.monitors] = [b.monitors, a.monitors];
    const result = verifyEpoch({ ...inputOf(second), assignments });
    expect(result.differences).toEqual([
      `assignments: group of ${a.target}: published monitors [${a.monitors.join(', ')}], recomputed [${b.monitors.join(', ')}]`,
      `assignments: group of ${b.target}: published monitors [${b.monitors.join(', ')}], recomputed [${a.monitors.join(', ')}]`,
    ]);
  });

  it('refuses a settlement that names the wrong previous hash, even when re-signed', () => {
    const { first, second } = twoEpochs();
    const settlement = clone(second.settlement.settlement);
    settlement.previous_settlement_hash = GENESIS_SETTLEMENT_HASH;
    const published = publishSettlement(settlement);
    const expected = settlementHash(first.settlement.settlement);
    const result = verifyEpoch({
      ...inputOf(second),
      epoch: { ...second.epoch, settlement_hash: published.hash },
      settlement: published,
    });
    expect(result.differences).toEqual([
      `chain: the settlement's previous_settlement_hash is "${GENESIS_SETTLEMENT_HASH}", expected ${expected} (epoch 4's settlement hash)`,
    ]);
  });

  it('refuses an epoch whose seed does not follow from the previous settlement', () => {
    const { first, second } = twoEpochs();
    // Epoch 4 settled differently from what epoch 5 was seeded with.
    const other = clone(first.settlement.settlement);
    other.withheld = `${other.withheld}0`;
    const wrongPrevious = settlementHash(other);
    const result = verifyEpoch({ ...inputOf(second), previousSettlementHash: wrongPrevious });
    const published = second.epoch.previous_settlement_hash;
    expect(result.differences).toEqual([
      `chain: the settlement's previous_settlement_hash is "${published}", expected ${wrongPrevious} (epoch 4's settlement hash)`,
      `chain: the epoch's previous_settlement_hash is "${published}", expected ${wrongPrevious} (epoch 4's settlement hash)`,
      `chain: the epoch's seed is "${second.epoch.seed}", expected epochSeed(5, ${wrongPrevious}) = ${epochSeed(5, wrongPrevious)}`,
    ]);
  });

  it('refuses a settlement signed by another key', () => {
    const { second } = twoEpochs();
    const forged = {
      ...signSettlement(second.settlement.settlement, keyNamed('mallory')),
      hash: second.settlement.hash,
    };
    const result = verifyEpoch({ ...inputOf(second), settlement: forged });
    expect(result.differences).toEqual(['settlement signature: does not verify under the coordinator key']);
    // And the right signature checked under a pinned key that is not the coordinator's.
    const pinned = exportPublicKey(publicKeyOf(keyNamed('mallory')));
    expect(verifyEpoch({ ...inputOf(second), coordinatorKey: pinned }).differences).toEqual([
      'settlement signature: does not verify under the coordinator key',
    ]);
  });

  it('refuses a published hash that is not the hash of the settlement', () => {
    const { second } = twoEpochs();
    const settlement = { ...second.settlement, hash: 'f'.repeat(64) };
    expect(verifyEpoch({ ...inputOf(second), settlement }).differences).toEqual([
      `settlement hash: published "${'f'.repeat(64)}", computed ${second.settlement.hash}`,
    ]);
  });

  it('reports a settlement it cannot recompute instead of throwing', () => {
    const { second } = twoEpochs();
    const settlement = clone(second.settlement.settlement);
    settlement.parameters.reward_pool = '-5';
    const result = verifyEpoch({
      ...inputOf(second),
      epoch: { ...second.epoch, settlement_hash: null },
      settlement: publishSettlement(settlement),
    });
    expect(result.differences).toEqual([
      'settlement: cannot recompute it: reward pool must be whole minor units as digits, got "-5"',
    ]);
  });

  it('refuses a member snapshot that does not match the epoch', () => {
    const { second } = twoEpochs();
    const assignments = clone(second.assignments);
    assignments.members.pop();
    const result = verifyEpoch({ ...inputOf(second), assignments });
    expect(result.differences[0]).toBe('epoch: members is 6, the assignments list 5');
    expect(result.ok).toBe(false);
  });
});

describe('the checks and their differences, with the values on each side', () => {
  it('lists every check, each with nothing to say, for a consistent epoch', () => {
    const { second } = twoEpochs();
    const { checks } = verifyEpoch(inputOf(second));
    expect(checks.map((c) => c.check)).toEqual(['signature', 'chain', 'groups', 'reports', 'settlement']);
    expect(checks.map((c) => c.title)).toEqual(VERIFICATION_CHECKS.map((c) => c.title));
    for (const check of checks) expect(check).toMatchObject({ skipped: null, differences: [] });
  });

  it('files each difference under its check, the published and the recomputed value side by side', () => {
    const { second } = twoEpochs();
    const settlement = clone(second.settlement.settlement);
    const row = settlement.nodes.find((n) => n.node === 'bravo')!;
    const original = row.reward;
    row.reward = String(BigInt(original) + 1n);
    const result = verifyEpoch({ ...inputOf(second), settlement: publishSettlement(settlement) });
    const byCheck = Object.fromEntries(result.checks.map((c) => [c.check, c.differences]));
    expect(byCheck['settlement']).toEqual([
      {
        check: 'settlement',
        subject: '$.nodes[node=bravo].reward',
        published: row.reward,
        recomputed: original,
        line: `settlement $.nodes[node=bravo].reward: expected "${original}", got "${row.reward}"`,
      },
    ]);
    expect(byCheck['chain']).toEqual([
      expect.objectContaining({
        subject: "the epoch's settlement_hash",
        published: second.settlement.hash,
        recomputed: settlementHash(settlement),
      }),
    ]);
    // The lines are the same differences, in the order they were found.
    expect(result.checks.flatMap((c) => c.differences.map((d) => d.line)).sort()).toEqual(
      [...result.differences].sort(),
    );
  });

  it('says the settlement was not recomputed when the groups could not be', () => {
    const { second } = twoEpochs();
    const assignments = { ...clone(second.assignments), seed: 'not a seed' };
    const result = verifyEpoch({ ...inputOf(second), assignments });
    const check = result.checks.find((c) => c.check === 'settlement')!;
    expect(check.skipped).toMatch(/groups could not be recomputed/);
    expect(result.checks.find((c) => c.check === 'groups')!.differences.map((d) => d.line)).toContain(
      'assignments: cannot recompute the groups: seedHex must be 64 lowercase hex digits (a SHA-256 digest), got not a seed',
    );
  });
});

describe('verifyPublishedEpoch', () => {
  const documentsOf = (fixture: EpochFixture, previous: EpochFixture['settlement'] | null) => ({
    epoch: fixture.epoch,
    settlement: fixture.settlement,
    assignments: fixture.assignments,
    reports: fixture.reports,
    previousSettlement: previous,
    coordinatorKey: COORDINATOR_PUBLIC_KEY,
  });

  it('verifies a chained epoch and the first recorded one from their documents alone', () => {
    const { first, second } = twoEpochs();
    expect(verifyPublishedEpoch(documentsOf(first, null))).toMatchObject({ ok: true, differences: [] });
    const result = verifyPublishedEpoch(documentsOf(second, first.settlement));
    expect(result).toMatchObject({ ok: true, differences: [] });
    expect(result.summary.previous_settlement_hash).toBe(first.settlement.hash);
  });

  it('checks the previous settlement on its own, under the chain check, before the rest', () => {
    const { first, second } = twoEpochs();
    const forged = {
      ...signSettlement(first.settlement.settlement, keyNamed('mallory')),
      hash: first.settlement.hash,
    };
    const result = verifyPublishedEpoch(documentsOf(second, forged));
    expect(result.differences).toEqual([
      'previous settlement signature: does not verify under the coordinator key',
    ]);
    expect(result.checks.find((c) => c.check === 'chain')!.differences).toHaveLength(1);
  });

  it('refuses an epoch that names a previous settlement the coordinator does not have', () => {
    const { second } = twoEpochs();
    const result = verifyPublishedEpoch(documentsOf(second, null));
    expect(result.differences[0]).toBe(
      `chain: epoch 4 has no settlement (404), yet epoch 5's settlement names ${second.epoch.previous_settlement_hash} before it`,
    );
    expect(result.ok).toBe(false);
  });
});

describe('checkPreviousSettlement', () => {
  it("returns the hash computed from the previous epoch's document", () => {
    const { first } = twoEpochs();
    expect(checkPreviousSettlement(first.settlement, 5, COORDINATOR_PUBLIC_KEY)).toEqual({
      hash: settlementHash(first.settlement.settlement),
      differences: [],
    });
  });

  it('refuses a previous settlement for another epoch, badly signed, or with a wrong hash', () => {
    const { first } = twoEpochs();
    const tampered = {
      ...signSettlement(first.settlement.settlement, keyNamed('mallory')),
      hash: '0'.repeat(64),
    };
    expect(checkPreviousSettlement(tampered, 7, COORDINATOR_PUBLIC_KEY).differences).toEqual([
      'previous settlement signature: does not verify under the coordinator key',
      `previous settlement hash: published "${'0'.repeat(64)}", computed ${first.settlement.hash}`,
      'previous settlement: is for epoch 4, expected 6',
    ]);
  });
});

describe('compareGroups', () => {
  const seed = epochSeed(1, GENESIS_SETTLEMENT_HASH);
  const recomputed = assignGroups({ nodes: ['a', 'b', 'c', 'd'], groupSize: 2, seedHex: seed });
  const published = ['a', 'b', 'c', 'd'].map((target) => ({
    target,
    monitors: [...recomputed.monitorsOf.get(target)!].sort(),
  }));

  it('accepts the same groups, in any monitor order', () => {
    expect(
      compareGroups(
        recomputed,
        published.map((g) => ({ ...g, monitors: [...g.monitors].reverse() })),
      ),
    ).toEqual([]);
  });

  it('names missing, repeated and non-member groups', () => {
    const groups = [
      published[0]!,
      published[0]!,
      published[1]!,
      published[2]!,
      { target: 'z', monitors: ['a'] },
    ];
    const missing = published[3]!;
    expect(compareGroups(recomputed, groups)).toEqual([
      `assignments: group of ${published[0]!.target}: published twice`,
      'assignments: group of z: published, but z is not a member',
      `assignments: group of ${missing.target}: not published, recomputed monitors [${missing.monitors.join(', ')}]`,
    ]);
  });
});
