import { afterAll, describe, expect, it } from 'vitest';
import {
  createReportExaminerPool,
  settleEpochParallel,
} from '../../../src/coordinator/epochs/settlement/index.ts';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import type { PublicKeyInput } from '../../../src/core/crypto/ed25519.ts';
import { assignGroups } from '../../../src/core/monitoring/assignment.ts';
import { epochSeed } from '../../../src/core/monitoring/seed.ts';
import type { SignedReport } from '../../../src/core/reports/types.ts';
import { GENESIS_SETTLEMENT_HASH, settlementHash } from '../../../src/core/settlement/document.ts';
import { type SettleEpochInput, settleEpoch } from '../../../src/core/settlement/settle.ts';
import { seededRandom } from '../../../src/simulator/profiles.ts';
import { keyOf, keysFor, signedBy, summary } from '../../core/settlement/network.ts';

const EPOCH = 9;
const NODES = Array.from({ length: 300 }, (_, i) => `node-${String(i).padStart(3, '0')}`);
const groups = assignGroups({
  nodes: NODES,
  groupSize: 24,
  seedHex: epochSeed(EPOCH, GENESIS_SETTLEMENT_HASH),
});
const assignments = new Map([...groups.monitorsOf].map(([t, ms]) => [t, [...ms]]));
const random = seededRandom(42);

/** What a monitor says about a target: mostly up, some nodes down a while, a few liars. */
function reportOf(monitor: string, epoch = EPOCH, createdAt = 1_700_000_000_000): SignedReport {
  const targets = (groups.targetsOf.get(monitor) ?? []).map((target) => {
    const samples = 8_000 + Math.floor(random() * 640);
    const down = Math.floor(random() * random() * (Number(target.slice(5)) % 7 === 0 ? 2_000 : 20));
    return summary(target, samples, down, (Math.round(random() * 300_000) + 1000) / 1000);
  });
  return signedBy(monitor, epoch, targets, createdAt);
}

const honest = NODES.map((monitor) => reportOf(monitor));
const text = (value: unknown) => JSON.stringify(value);

/** Every kind of report settlement must refuse, as stored texts, and reports that count once. */
function mixedTexts(): string[] {
  const [a, b, c, d, e, f, g, h] = honest.slice(0, 8) as [
    SignedReport,
    SignedReport,
    SignedReport,
    SignedReport,
    SignedReport,
    SignedReport,
    SignedReport,
    SignedReport,
  ];
  const tampered = structuredClone(b);
  const first = tampered.report.targets[0] as { downtime_intervals: number; up_samples: number };
  first.downtime_intervals += 1;
  first.up_samples -= 1;
  const otherKey = { report: c.report, signature: d.signature };
  const missing: Record<string, unknown> = { ...e.report };
  delete missing['probe_interval_s'];
  const reordered = `{"signature":${JSON.stringify(f.signature)},"report":${JSON.stringify(f.report)}}`;
  // g says a node it does not audit was down all epoch: that entry must be ignored.
  const monitor = g.report.monitor;
  const notAudited = NODES.find(
    (n) => n !== monitor && !groups.targetsOf.get(monitor)?.includes(n),
  ) as string;
  const extraTarget = signedBy(monitor, EPOCH, [...g.report.targets, summary(notAudited, 8640, 8640, null)]);
  return [
    ...honest.slice(8).map(text),
    text(h),
    text(h), // resent: counts once
    reordered, // the same report written differently: same digest, counts once
    text(tampered), // bad_signature
    text(b),
    text(otherKey), // bad_signature
    text(c),
    text({ report: missing, signature: e.signature }), // malformed, with monitor and digest
    text(e),
    text(reportOf(a.report.monitor, EPOCH, 1_700_000_000_999)), // conflicts with a
    text(a),
    text(reportOf(NODES[10] as string, EPOCH + 1)), // wrong_epoch
    text(signedBy('node-outsider', EPOCH, [summary('node-001', 10, 0, 5)])), // not_assigned
    text(extraTarget), // replaces g's honest report; an unassigned entry is ignored
    text({ nonsense: true }),
    '42',
    'not json at all', // malformed, neither monitor nor digest
    '{"report": {"monitor": "node-004"', // cut short
    text({ report: d.report, signature: 'not base64url!' }),
    text(d),
  ];
}

/** Shuffled by a fixed seed, so batches mix every kind. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const r = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function monitorKeys(): Map<string, PublicKeyInput> {
  const keys = new Map<string, PublicKeyInput>(keysFor([...NODES, 'node-outsider']));
  keys.delete('node-020'); // unknown_key
  keys.set('node-021', 'not a key'); // unknown_key
  keys.set('node-022', keyOf('node-022')); // a private key where a public one belongs: unknown_key
  return keys;
}

const terms = {
  epoch: EPOCH,
  previousSettlementHash: GENESIS_SETTLEMENT_HASH,
  assignments,
  rewardPool: '1000000000',
} satisfies Partial<SettleEpochInput>;

/** The reference: settleEpoch in this thread over the parsed texts (a text that is not JSON as undefined, which has no canonical form either). */
function sequential(texts: readonly string[], keys: Map<string, PublicKeyInput>) {
  const reports = texts.map((t) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return undefined;
    }
  });
  return settleEpoch({ ...terms, reports, monitorKeys: keys });
}

describe('settleEpochParallel', () => {
  const pools: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('gives the same document as settleEpoch, rejected reports included', async () => {
    const texts = shuffled(mixedTexts(), 1);
    const keys = monitorKeys();
    const expected = sequential(texts, keys);

    // The mix exercises every way a report can fail to count.
    const reasons = new Set(expected.reports_rejected.map((r) => r.reason));
    expect([...reasons].sort()).toEqual([
      'bad_signature',
      'conflicting_reports',
      'malformed',
      'not_assigned',
      'unknown_key',
      'wrong_epoch',
    ]);
    expect(expected.reports_rejected).toContainEqual({ monitor: null, digest: null, reason: 'malformed' });
    expect(expected.reports_accepted).toBe(NODES.length - 4); // a (conflict) and three without a usable key
    expect(expected.nodes.some((n) => (n.downtime_intervals ?? 0) > 100)).toBe(true);

    for (const [workers, batchSize] of [
      [1, 64],
      [2, 7],
      [3, 1],
    ] as const) {
      const pool = createReportExaminerPool({ workers, batchSize });
      pools.push(pool);
      const actual = await settleEpochParallel({ ...terms, reportTexts: texts, monitorKeys: keys }, { pool });
      expect(canonicalJson(actual), `${workers} workers, batches of ${batchSize}`).toBe(
        canonicalJson(expected),
      );
      expect(settlementHash(actual)).toBe(settlementHash(expected));
    }
  });

  it('starts and stops its own threads when given none, and keeps to input order', async () => {
    const texts = shuffled(mixedTexts(), 2);
    const keys = monitorKeys();
    const actual = await settleEpochParallel(
      { ...terms, reportTexts: texts, monitorKeys: keys },
      { workers: 2 },
    );
    expect(canonicalJson(actual)).toBe(canonicalJson(sequential(texts, keys)));
  });

  it('uses the keys of each call when a pool is reused', async () => {
    const pool = createReportExaminerPool({ workers: 2, batchSize: 16 });
    pools.push(pool);
    await pool.ready();
    const texts = honest.map(text);
    const all = await settleEpochParallel(
      { ...terms, reportTexts: texts, monitorKeys: keysFor(NODES) },
      { pool },
    );
    const fewer = await settleEpochParallel(
      { ...terms, reportTexts: texts, monitorKeys: keysFor(NODES.slice(0, 150)) },
      { pool },
    );
    expect(all.reports_accepted).toBe(300);
    expect(fewer.reports_accepted).toBe(150);
    expect(canonicalJson(fewer)).toBe(canonicalJson(sequential(texts, keysFor(NODES.slice(0, 150)))));
    const empty = await settleEpochParallel(
      { ...terms, reportTexts: [], monitorKeys: keysFor(NODES) },
      { pool },
    );
    expect(empty.reports_accepted).toBe(0);
  });

  it('refuses work once closed', async () => {
    const pool = createReportExaminerPool({ workers: 1 });
    await pool.close();
    await expect(pool.examine(['{}'], new Map())).rejects.toThrow(/closed/);
    await expect(pool.ready()).rejects.toThrow(/closed/);
    expect(() => createReportExaminerPool({ workers: 0 })).toThrow(/workers/);
  });
});
