import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signReport } from '../../../src/core/reports/sign.ts';
import { sketchOf } from '../../../src/core/reports/sketch.ts';
import type { SignedReport, TargetSummary } from '../../../src/core/reports/types.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import { keyNamed } from '../crypto/keys.ts';
import { keyOf, keysFor, signedBy, summary } from './network.ts';
import { EPOCH, input, type Scenario, scenario } from './scenario.ts';

// A settlement written from docs/settlement.md alone, as someone who has never seen the code
// would write it: nothing below imports Vigil's report checks, encoding or settlement. It is
// run against settleEpoch on generated networks with every kind of bad report the document
// names; a difference in any member means the code or the document is wrong.

interface Parameters {
  reward_pool: string;
  quorum_fraction: string;
  downtime_allowance_fraction: string;
  latency_allowance_ms: number;
}

type Obj = Record<string, unknown>;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasExactly = (v: unknown, names: string[]): v is Obj =>
  isObj(v) && Object.keys(v).length === names.length && names.every((n) => Object.hasOwn(v, n));
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNodeId = (v: unknown): v is string =>
  typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(v);
const isWholeMicros = (v: number) => /^[0-9]+(\.[0-9]{1,3})?$/.test(String(v));
const micros = (ms: number) => {
  const [whole, part = ''] = String(ms).split('.');
  return BigInt(`${whole}${part.padEnd(3, '0')}`);
};
const ratio = (text: string) => text.split('/').map((n) => BigInt(n)) as [bigint, bigint];
const codeUnitOrder = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;

/** base64url without padding of exactly `length` bytes that encodes back to the same text. */
function base64urlBytes(text: unknown, length: number): Buffer | null {
  if (typeof text !== 'string' || /[^A-Za-z0-9_-]/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === length && bytes.toString('base64url') === text ? bytes : null;
}

/** "Report checks": every rule of the list, in the list's order. */
function isWellFormed(signed: unknown): boolean {
  if (!hasExactly(signed, ['report', 'signature']) || !base64urlBytes(signed.signature, 64)) return false;
  const r = signed.report;
  if (!hasExactly(r, ['version', 'epoch', 'monitor', 'created_at_ms', 'probe_interval_s', 'targets']))
    return false;
  const interval = r.probe_interval_s;
  if (
    (r.version !== 1 && r.version !== 2) ||
    !isCount(r.epoch) ||
    !isCount(r.created_at_ms) ||
    !isNodeId(r.monitor)
  )
    return false;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) return false;
  if (!Array.isArray(r.targets)) return false;
  let previous = '';
  for (const t of r.targets as unknown[]) {
    if (!isWellFormedEntry(t, r.monitor, r.version)) return false;
    const target = (t as Obj).target as string;
    if (previous !== '' && !(previous < target)) return false;
    previous = target;
  }
  return true;
}

const isLatency = (v: unknown) =>
  v === null || (typeof v === 'number' && v >= 0 && v <= 1e9 && isWholeMicros(v));

function isWellFormedEntry(t: unknown, monitor: string, version: 1 | 2): boolean {
  const names = 'target samples up_samples downtime_intervals mean_latency_ms latency_sketch'.split(' ');
  if (version === 2) names.push('latency_p10_ms');
  if (!hasExactly(t, names) || !isNodeId(t.target) || t.target === monitor) return false;
  const { samples, up_samples: up, downtime_intervals: down, mean_latency_ms: mean } = t;
  if (!isCount(samples) || !isCount(up) || !isCount(down) || up > samples || down !== samples - up)
    return false;
  if (!isLatency(mean)) return false;
  if (version === 2 && (!isLatency(t.latency_p10_ms) || (t.latency_p10_ms === null) !== (mean === null)))
    return false;
  const s = t.latency_sketch;
  if (!hasExactly(s, ['relative_accuracy', 'zero_count', 'key_offset', 'counts'])) return false;
  const alpha = s.relative_accuracy;
  const counts = s.counts;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1) || !isCount(s.zero_count)) return false;
  if (!Number.isSafeInteger(s.key_offset) || !Array.isArray(counts) || !counts.every(isCount)) return false;
  const offset = s.key_offset as number;
  if (counts.length === 0 && offset !== 0) return false;
  if (counts.length > 0) {
    const log2Gamma = Math.log2((1 + alpha) / (1 - alpha));
    const lowest = Math.floor(Math.log2(1e-6) / log2Gamma) - 1;
    const highest = Math.ceil(Math.log2(1e9) / log2Gamma) + 1;
    if (counts[0] === 0 || counts.at(-1) === 0) return false;
    if (offset < lowest || offset + counts.length - 1 > highest) return false;
  }
  const held = (counts as number[]).reduce((sum, n) => sum + n, s.zero_count as number);
  return held <= up && (mean === null) === (held === 0);
}

/** RFC 6962's Merkle tree hash, by its recursive definition. */
function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return sha256(Buffer.concat([Buffer.from([0]), leaves[0]!]));
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.concat([Buffer.from([1]), treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k))]));
}

function merkleRootOf(digests: string[]): string {
  const leaves = [...new Set(digests)].sort();
  if (leaves.length === 0) return sha256('').toString('hex');
  return treeHash(leaves.map((d) => Buffer.from(d, 'hex'))).toString('hex');
}

interface Entry {
  samples: number;
  down: number;
  mean: number | null;
}

function settleFromTheDocs(
  epoch: number,
  previousHash: string,
  groups: ReadonlyMap<string, readonly string[]>,
  published: readonly unknown[],
  keys: ReadonlyMap<string, string>,
  parameters: Parameters,
) {
  const auditors = new Set([...groups.values()].flat());
  const keyOfMonitor = (m: string): KeyObject | null =>
    base64urlBytes(keys.get(m), 32) === null
      ? null
      : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: keys.get(m) as string }, format: 'jwk' });

  // 1. Intake.
  const rejected: Array<{ monitor: string | null; digest: string | null; reason: string }> = [];
  const seen = new Set<string>();
  const candidates = new Map<string, Map<string, Obj>>();
  for (const raw of published) {
    const digest = sha256(canonicalize(raw) as string).toString('hex');
    if (seen.has(digest)) continue;
    seen.add(digest);
    const claimed = (raw as { report?: { monitor?: unknown } })?.report?.monitor;
    if (!isWellFormed(raw)) {
      rejected.push({ monitor: isNodeId(claimed) ? claimed : null, digest, reason: 'malformed' });
      continue;
    }
    const { report, signature } = raw as { report: Obj; signature: string };
    const monitor = report.monitor as string;
    const key = keyOfMonitor(monitor);
    const signed = (k: KeyObject) =>
      verify(null, Buffer.from(canonicalize(report) as string), k, Buffer.from(signature, 'base64url'));
    let reason: string | null = null;
    if (report.epoch !== epoch) reason = 'wrong_epoch';
    else if (!auditors.has(monitor)) reason = 'not_assigned';
    else if (key === null) reason = 'unknown_key';
    else if (!signed(key)) reason = 'bad_signature';
    if (reason !== null) rejected.push({ monitor, digest, reason });
    else candidates.set(monitor, (candidates.get(monitor) ?? new Map()).set(digest, report));
  }
  const accepted = new Map<string, Obj>();
  const digests: string[] = [];
  for (const [monitor, reports] of candidates) {
    if (reports.size > 1) {
      for (const digest of reports.keys()) rejected.push({ monitor, digest, reason: 'conflicting_reports' });
    } else {
      const [[digest, report]] = [...reports] as [[string, Obj]];
      accepted.set(monitor, report);
      digests.push(digest);
    }
  }
  rejected.sort(
    (a, b) =>
      codeUnitOrder(a.monitor, b.monitor) ||
      codeUnitOrder(a.digest, b.digest) ||
      codeUnitOrder(a.reason, b.reason),
  );

  // 2–5. Counted reports, quorum, medians, score and reward.
  const pool = BigInt(parameters.reward_pool);
  const [qNum, qDen] = ratio(parameters.quorum_fraction);
  const [aNum, aDen] = ratio(parameters.downtime_allowance_fraction);
  const allowance = micros(parameters.latency_allowance_ms);
  const ids = [...groups.keys()].sort(codeUnitOrder);
  let total = 0n;
  const nodes = ids.map((node) => {
    const monitors = groups.get(node) as readonly string[];
    const counted: Entry[] = [];
    for (const monitor of monitors) {
      const entries = (accepted.get(monitor)?.targets ?? []) as Obj[];
      const entry = entries.find((t) => t.target === node);
      if (entry !== undefined && (entry.samples as number) > 0) {
        counted.push({
          samples: entry.samples as number,
          down: entry.downtime_intervals as number,
          // "How latency is summarised": a version 2 entry's 10th percentile, a version 1 entry's mean.
          mean: (accepted.get(monitor)?.version === 2 ? entry.latency_p10_ms : entry.mean_latency_ms) as
            | number
            | null,
        });
      }
    }
    const required = Math.max(1, Number((BigInt(monitors.length) * qNum + qDen - 1n) / qDen));
    const head = {
      node,
      monitors_assigned: monitors.length,
      reports_counted: counted.length,
      quorum_required: required,
      quorum_met: counted.length >= required,
    };
    if (!head.quorum_met) {
      const reason = monitors.length === 0 ? 'no_monitors' : 'quorum_not_met';
      return {
        ...head,
        ...{ checks: null, downtime_intervals: null, latency_ms: null, score_ppm: null },
        ...{ reward: '0', reason },
      };
    }
    const byShare = [...counted].sort(
      (x, y) => x.down * y.samples - y.down * x.samples || x.down - y.down || x.samples - y.samples,
    );
    const middle = byShare[Math.ceil(byShare.length / 2) - 1] as Entry;
    const means = counted.flatMap((e) => (e.mean === null ? [] : [e.mean])).sort((x, y) => x - y);
    const latency = means.length === 0 ? null : (means[Math.ceil(means.length / 2) - 1] as number);
    const c = BigInt(middle.samples);
    const d = BigInt(middle.down);
    let numerator = 1_000_000n;
    let denominator = 1n;
    if (d * aDen > c * aNum) {
      numerator *= c - (d < c ? d : c);
      denominator *= c;
    }
    if (latency !== null && micros(latency) > allowance) {
      numerator *= allowance;
      denominator *= micros(latency);
    }
    const score = numerator / denominator;
    const reward = (pool * score) / (BigInt(ids.length) * 1_000_000n);
    total += reward;
    return {
      ...head,
      checks: middle.samples,
      downtime_intervals: middle.down,
      latency_ms: latency,
      score_ppm: Number(score),
      reward: reward.toString(),
      reason: reward > 0n ? null : score === 0n ? 'zero_score' : 'rounded_to_zero',
    };
  });
  return {
    version: 1,
    epoch,
    previous_settlement_hash: previousHash,
    reports_merkle_root: merkleRootOf(digests),
    reports_accepted: digests.length,
    reports_rejected: rejected,
    parameters: { ...parameters },
    nodes,
    total_reward: total.toString(),
    withheld: (pool - total).toString(),
  };
}

/** A monitor's report with one of its entries changed, re-signed by the monitor. */
function withEntry(signed: SignedReport, change: (t: TargetSummary) => TargetSummary): SignedReport {
  const [first, ...rest] = signed.report.targets;
  if (first === undefined) return signed;
  return signReport({ ...signed.report, targets: [change(first), ...rest] }, keyOf(signed.report.monitor));
}

/** The bad reports docs/settlement.md names, each made from one monitor's honest report. */
const MISCHIEF: Record<
  string,
  (s: Scenario, r: SignedReport) => { replace?: SignedReport; add?: unknown[] }
> = {
  unroundedMean: (_, r) => ({
    add: [
      withEntry(r, (t) => ({
        ...t,
        mean_latency_ms: t.mean_latency_ms === null ? null : t.mean_latency_ms + 0.0004,
      })),
    ],
  }),
  unroundedP10: (_, r) => {
    if (r.report.version !== 2) return {};
    return {
      add: [
        withEntry(r, (t) => ({
          ...t,
          latency_p10_ms: t.latency_p10_ms == null ? t.latency_p10_ms : t.latency_p10_ms + 0.0004,
        })),
      ],
    };
  },
  p10WithoutMean: (_, r) => {
    if (r.report.version !== 2) return {};
    return { add: [withEntry(r, (t) => ({ ...t, latency_p10_ms: t.mean_latency_ms === null ? 1 : null }))] };
  },
  overfullSketch: (_, r) => ({
    add: [
      withEntry(r, (t) => {
        const sketch = sketchOf([t.mean_latency_ms ?? 1]);
        const over = t.up_samples + 1;
        const latency_sketch =
          sketch.counts.length > 0 ? { ...sketch, counts: [over] } : { ...sketch, zero_count: over };
        return { ...t, mean_latency_ms: t.mean_latency_ms ?? 1, latency_sketch };
      }),
    ],
  }),
  unassignedEntry: (s, r) => {
    const own = new Set([r.report.monitor, ...r.report.targets.map((t) => t.target)]);
    const stranger = s.nodes.find((n) => !own.has(n));
    if (stranger === undefined) return {};
    return {
      replace: signedBy(r.report.monitor, EPOCH, [...r.report.targets, summary(stranger, 50, 50, null)]),
    };
  },
  zeroSamples: (_, r) => ({ replace: withEntry(r, (t) => summary(t.target, 0, 0, null)) }),
  repeated: (_, r) => ({ add: [structuredClone(r)] }),
  conflicting: (_, r) => ({
    add: [signReport({ ...r.report, created_at_ms: r.report.created_at_ms + 1 }, keyOf(r.report.monitor))],
  }),
  wrongEpoch: (_, r) => ({ add: [signReport({ ...r.report, epoch: EPOCH + 1 }, keyOf(r.report.monitor))] }),
  forged: (_, r) => ({ add: [signReport({ ...r.report, created_at_ms: 1 }, keyNamed('mallory'))] }),
  outsider: (_, r) => ({ add: [signedBy('node-z', EPOCH, r.report.targets)] }),
  garbage: (_, r) => ({ add: [42, { nonsense: true }, { ...r, signature: 'abc' }, { ...r, extra: 1 }] }),
};

const mischief = fc.record({
  network: scenario,
  kinds: fc.subarray(Object.keys(MISCHIEF)),
  pick: fc.nat(),
  unkeyed: fc.boolean(),
  parameters: fc.record({
    reward_pool: fc.bigInt({ min: 0n, max: 10n ** 24n }).map(String),
    quorum_fraction: fc.constantFrom('1/2', '2/3', '1/4', '1/1'),
    downtime_allowance_fraction: fc.constantFrom('1/30', '0/1', '1/10'),
    latency_allowance_ms: fc.integer({ min: 1, max: 3_000_000 }).map((us) => us / 1000),
  }),
});

describe('a settlement computed from docs/settlement.md alone', () => {
  it('matches settleEpoch member for member, whatever bad reports come with the good ones', () => {
    let rejections = 0;
    fc.assert(
      fc.property(mischief, ({ network, kinds, pick, unkeyed, parameters }) => {
        let reports: unknown[] = [...network.reports];
        for (const kind of kinds) {
          const victim = network.reports[pick % Math.max(1, network.reports.length)];
          if (victim === undefined) continue;
          const { replace, add = [] } = (MISCHIEF[kind] as (typeof MISCHIEF)[string])(network, victim);
          if (replace !== undefined) reports = reports.map((r) => (r === victim ? replace : r));
          reports.push(...add);
        }
        // What GET /epochs/{n}/reports publishes: each report parsed from the JSON text sent.
        const published = reports.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
        const keys = keysFor(network.nodes);
        if (unkeyed) keys.delete(network.nodes[pick % network.nodes.length] as string);
        const settled = settleEpoch(
          input(network, {
            reports: published,
            monitorKeys: keys,
            rewardPool: parameters.reward_pool,
            quorumFraction: parameters.quorum_fraction,
            downtimeAllowanceFraction: parameters.downtime_allowance_fraction,
            latencyAllowanceMs: parameters.latency_allowance_ms,
          }),
        );
        const recomputed = settleFromTheDocs(
          EPOCH,
          settled.previous_settlement_hash,
          network.assignments,
          published,
          keys,
          parameters,
        );
        expect(recomputed).toStrictEqual(settled);
        rejections += settled.reports_rejected.length;
      }),
      { numRuns: 200 },
    );
    expect(rejections).toBeGreaterThan(200);
  });
});
