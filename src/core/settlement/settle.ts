import type { PublicKeyInput } from '../crypto/ed25519.ts';
import { isSha256Hex } from '../crypto/hash.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import { type ExaminedReport, examineReport, monitorKeyLookup, type TargetFacts } from './examine.ts';
import { ceilTimes, type Fraction, formatFraction, parseFraction } from './fraction.ts';
import { medianOf } from './median.ts';
import { merkleRoot } from './merkle.ts';
import { rewardOf, scorePpm } from './reward.ts';
import type { NodeSettlement, RejectedReport, Settlement } from './types.ts';

export const DEFAULT_QUORUM_FRACTION = '1/2';
export const DEFAULT_DOWNTIME_ALLOWANCE_FRACTION = '1/30';
/** SKALE Manager ships `allowableLatency = 150000`: 150 ms read as microseconds. */
export const DEFAULT_LATENCY_ALLOWANCE_MS = 150;

/** Everything a settlement depends on besides the reports themselves. */
export interface SettlementTerms {
  epoch: number;
  /** settlementHash of the previous epoch's settlement, or GENESIS_SETTLEMENT_HASH for the first. */
  previousSettlementHash: string;
  /** The epoch's monitoring groups: audited node → its monitors. Every key is settled. */
  assignments: ReadonlyMap<string, readonly string[]>;
  /** Integer minor units: a bigint or a decimal string, never a float. */
  rewardPool: bigint | string;
  /** Share of a group needed for a verdict, "1/2" by default; at least one report is always needed. */
  quorumFraction?: number | string;
  /** Share of checks that may be down without reduction, "1/30" by default. */
  downtimeAllowanceFraction?: number | string;
  /** Mean latency above this scales the reward by allowance/latency; whole microseconds. */
  latencyAllowanceMs?: number;
}

export interface SettleEpochInput extends SettlementTerms {
  /** Signed reports as received, in any order; each is checked here (shape, epoch, assignment, key, signature). */
  reports: readonly unknown[];
  /** Registered public keys by node id. */
  monitorKeys: ReadonlyMap<string, PublicKeyInput>;
}

export interface SettleExaminedInput extends SettlementTerms {
  /**
   * The submitted reports already examined (`examineReport` with the registered keys), in
   * the order they were received: the per-report half of settlement, done elsewhere.
   */
  examined: readonly ExaminedReport[];
}

const MAX_MICROS = Number.MAX_SAFE_INTEGER;

function toMicros(ms: number): number {
  const us = Math.round(ms * 1000);
  return Number.isFinite(us) && us <= MAX_MICROS ? us : MAX_MICROS;
}

function parsePool(pool: bigint | string): bigint {
  if (typeof pool === 'bigint') {
    if (pool < 0n) throw new RangeError('reward pool must not be negative');
    return pool;
  }
  if (!/^\d+$/.test(pool))
    throw new RangeError(`reward pool must be whole minor units as digits, got ${JSON.stringify(pool)}`);
  return BigInt(pool);
}

function fractionWithin(
  value: number | string,
  name: string,
  allowZero: boolean,
  allowOne: boolean,
): Fraction {
  const f = parseFraction(value);
  const zero = f.numerator === 0n;
  const one = f.numerator === f.denominator;
  if (f.numerator > f.denominator || (zero && !allowZero) || (one && !allowOne)) {
    const range = `${allowZero ? '[' : '('}0, 1${allowOne ? ']' : ')'}`;
    throw new RangeError(`${name} must be in ${range}, got ${formatFraction(f)}`);
  }
  return f;
}

/** Which targets each monitor audits; refuses groups that audit themselves or repeat a monitor. */
function auditedBy(assignments: ReadonlyMap<string, readonly string[]>): Map<string, Set<string>> {
  const targetsOf = new Map<string, Set<string>>();
  for (const [target, monitors] of assignments) {
    if (new Set(monitors).size !== monitors.length)
      throw new RangeError(`monitoring group of ${target} repeats a monitor`);
    for (const monitor of monitors) {
      if (monitor === target) throw new RangeError(`${target} is assigned to audit itself`);
      const targets = targetsOf.get(monitor) ?? new Set<string>();
      targetsOf.set(monitor, targets.add(target));
    }
  }
  return targetsOf;
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareCodeUnits(a, b);
}

interface Intake {
  /** monitor → its one accepted report's entries for targets it was assigned */
  entries: Map<string, Map<string, TargetFacts>>;
  digests: string[];
  rejected: RejectedReport[];
}

type WellFormed = Extract<ExaminedReport, { kind: 'well_formed' }>;

/** Keeps the reports that count: one per assigned monitor, well formed, for this epoch, correctly signed. */
function intake(
  epoch: number,
  examined: readonly ExaminedReport[],
  targetsOf: Map<string, Set<string>>,
): Intake {
  const rejected: RejectedReport[] = [];
  const seen = new Set<string>();
  const candidates = new Map<string, Map<string, WellFormed>>();

  for (const report of examined) {
    // The same report sent twice counts once.
    if (report.digest !== null && seen.has(report.digest)) continue;
    if (report.digest !== null) seen.add(report.digest);
    if (report.kind === 'malformed') {
      rejected.push({ monitor: report.monitor, digest: report.digest, reason: 'malformed' });
      continue;
    }
    const { monitor, digest } = report;
    const reject = (reason: RejectedReport['reason']) => rejected.push({ monitor, digest, reason });
    if (report.epoch !== epoch) reject('wrong_epoch');
    else if (!targetsOf.has(monitor)) reject('not_assigned');
    else if (report.signature === 'no_key') reject('unknown_key');
    else if (report.signature !== 'valid') reject('bad_signature');
    else {
      const byDigest = candidates.get(monitor) ?? new Map<string, WellFormed>();
      candidates.set(monitor, byDigest.set(digest, report));
    }
  }

  const entries = new Map<string, Map<string, TargetFacts>>();
  const digests: string[] = [];
  for (const [monitor, byDigest] of candidates) {
    if (byDigest.size > 1) {
      for (const digest of byDigest.keys()) rejected.push({ monitor, digest, reason: 'conflicting_reports' });
      continue;
    }
    const [digest, report] = [...byDigest][0] as [string, WellFormed];
    digests.push(digest);
    const assigned = targetsOf.get(monitor) as Set<string>;
    const byTarget = new Map<string, TargetFacts>();
    for (const entry of report.targets) if (assigned.has(entry.target)) byTarget.set(entry.target, entry);
    entries.set(monitor, byTarget);
  }
  rejected.sort(
    (a, b) =>
      compareNullable(a.monitor, b.monitor) ||
      compareNullable(a.digest, b.digest) ||
      compareCodeUnits(a.reason, b.reason),
  );
  return { entries, digests, rejected };
}

/**
 * Settles an epoch from its signed reports: a pure function of its input, so settling
 * twice, in any report order, gives the identical document (docs/settlement.md).
 */
export function settleEpoch({ reports, monitorKeys, ...terms }: SettleEpochInput): Settlement {
  const keyOf = monitorKeyLookup(monitorKeys);
  return settleExaminedReports({ ...terms, examined: reports.map((raw) => examineReport(raw, keyOf)) });
}

/**
 * `settleEpoch` from reports examined beforehand: the same document as `settleEpoch` over
 * the reports that were examined, whoever examined them (decision 0016).
 */
export function settleExaminedReports({
  epoch,
  previousSettlementHash,
  assignments,
  examined,
  rewardPool,
  quorumFraction = DEFAULT_QUORUM_FRACTION,
  downtimeAllowanceFraction = DEFAULT_DOWNTIME_ALLOWANCE_FRACTION,
  latencyAllowanceMs = DEFAULT_LATENCY_ALLOWANCE_MS,
}: SettleExaminedInput): Settlement {
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new RangeError(`epoch must be an integer ≥ 0, got ${epoch}`);
  if (!isSha256Hex(previousSettlementHash)) {
    throw new RangeError('previous settlement hash must be SHA-256 as 64 lowercase hex digits');
  }
  const pool = parsePool(rewardPool);
  const quorum = fractionWithin(quorumFraction, 'quorum fraction', false, true);
  const downtimeAllowance = fractionWithin(
    downtimeAllowanceFraction,
    'downtime allowance fraction',
    true,
    false,
  );
  const latencyAllowanceUs = toMicros(latencyAllowanceMs);
  if (!(Number.isFinite(latencyAllowanceMs) && latencyAllowanceUs >= 1 && latencyAllowanceUs < MAX_MICROS)) {
    throw new RangeError(`latency allowance must be at least 0.001 ms, got ${latencyAllowanceMs}`);
  }

  const targetsOf = auditedBy(assignments);
  const { entries, digests, rejected } = intake(epoch, examined, targetsOf);
  const nodeIds = [...assignments.keys()].sort(compareCodeUnits);

  let total = 0n;
  const nodes = nodeIds.map((node): NodeSettlement => {
    const monitors = assignments.get(node) as readonly string[];
    const counted: TargetFacts[] = [];
    for (const monitor of monitors) {
      const entry = entries.get(monitor)?.get(node);
      // A report with no samples of the node carries no evidence about it.
      if (entry !== undefined && entry.samples > 0) counted.push(entry);
    }
    const required = Math.max(1, ceilTimes(monitors.length, quorum));
    const base = {
      node,
      monitors_assigned: monitors.length,
      reports_counted: counted.length,
      quorum_required: required,
      quorum_met: counted.length >= required,
    };
    if (!base.quorum_met) {
      return {
        ...base,
        checks: null,
        downtime_intervals: null,
        latency_ms: null,
        score_ppm: null,
        reward: '0',
        reason: monitors.length === 0 ? 'no_monitors' : 'quorum_not_met',
      };
    }
    const checks = medianOf(counted.map((e) => e.samples));
    const downtime = medianOf(counted.map((e) => e.downtime_intervals));
    const latencies = counted.flatMap((e) => (e.mean_latency_ms === null ? [] : [e.mean_latency_ms]));
    const latency = latencies.length === 0 ? null : medianOf(latencies);
    const score = scorePpm({
      checks,
      downtimeIntervals: downtime,
      latencyUs: latency === null ? null : toMicros(latency),
      downtimeAllowance,
      latencyAllowanceUs,
    });
    const reward = rewardOf(pool, score, nodeIds.length);
    total += reward;
    return {
      ...base,
      checks,
      downtime_intervals: downtime,
      latency_ms: latency,
      score_ppm: score,
      reward: reward.toString(),
      reason: reward > 0n ? null : score === 0 ? 'zero_score' : 'rounded_to_zero',
    };
  });

  return {
    version: 1,
    epoch,
    previous_settlement_hash: previousSettlementHash,
    reports_merkle_root: merkleRoot(digests),
    reports_accepted: digests.length,
    reports_rejected: rejected,
    parameters: {
      reward_pool: pool.toString(),
      quorum_fraction: formatFraction(quorum),
      downtime_allowance_fraction: formatFraction(downtimeAllowance),
      latency_allowance_ms: latencyAllowanceUs / 1000,
    },
    nodes,
    total_reward: total.toString(),
    withheld: (pool - total).toString(),
  };
}
