import type { PublicKeyInput } from '../crypto/ed25519.ts';
import { isSha256Hex } from '../crypto/hash.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import { type ExaminedReport, examineReport, monitorKeyLookup } from './examine.ts';
import { ceilTimes, type Fraction, formatFraction, parseFraction } from './fraction.ts';
import { GroupEvidence, type IndexedGroups, indexGroups, isMonitor } from './groups.ts';
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

/**
 * Whole microseconds of a latency in ms. Exact for report means, which are whole microseconds
 * (`isWholeMicros`), so no rounding decides a result; a configured allowance is rounded here
 * and recorded as rounded.
 */
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

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareCodeUnits(a, b);
}

interface Intake {
  /** Each node's entries from the accepted reports of its monitors. */
  evidence: GroupEvidence;
  digests: string[];
  rejected: RejectedReport[];
}

type WellFormed = Extract<ExaminedReport, { kind: 'well_formed' }>;

/** Keeps the reports that count: one per assigned monitor, well formed, for this epoch, correctly signed. */
function intake(epoch: number, examined: readonly ExaminedReport[], groups: IndexedGroups): Intake {
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
    else if (!isMonitor(groups, monitor)) reject('not_assigned');
    else if (report.signature === 'no_key') reject('unknown_key');
    else if (report.signature !== 'valid') reject('bad_signature');
    else {
      const byDigest = candidates.get(monitor) ?? new Map<string, WellFormed>();
      candidates.set(monitor, byDigest.set(digest, report));
    }
  }

  const evidence = new GroupEvidence(groups);
  const digests: string[] = [];
  for (const [monitor, byDigest] of candidates) {
    if (byDigest.size > 1) {
      for (const digest of byDigest.keys()) rejected.push({ monitor, digest, reason: 'conflicting_reports' });
      continue;
    }
    const [digest, report] = [...byDigest][0] as [string, WellFormed];
    digests.push(digest);
    evidence.add(monitor, report.targets);
  }
  rejected.sort(
    (a, b) =>
      compareNullable(a.monitor, b.monitor) ||
      compareNullable(a.digest, b.digest) ||
      compareCodeUnits(a.reason, b.reason),
  );
  return { evidence, digests, rejected };
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
  ...terms
}: SettleExaminedInput): Settlement {
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new RangeError(`epoch must be an integer ≥ 0, got ${epoch}`);
  if (!isSha256Hex(previousSettlementHash)) {
    throw new RangeError('previous settlement hash must be SHA-256 as 64 lowercase hex digits');
  }
  const valid = checkedTerms(terms);
  const groups = indexGroups(assignments);
  const { evidence, digests, rejected } = intake(epoch, examined, groups);
  const nodeIds = [...assignments.keys()].sort(compareCodeUnits);

  let total = 0n;
  const nodes = nodeIds.map((node): NodeSettlement => {
    const settled = settleNode(
      node,
      assignments.get(node) as readonly string[],
      evidence,
      valid,
      nodeIds.length,
    );
    total += settled.reward;
    return settled.row;
  });

  return {
    version: 1,
    epoch,
    previous_settlement_hash: previousSettlementHash,
    reports_merkle_root: merkleRoot(digests),
    reports_accepted: digests.length,
    reports_rejected: rejected,
    parameters: {
      reward_pool: valid.pool.toString(),
      quorum_fraction: formatFraction(valid.quorum),
      downtime_allowance_fraction: formatFraction(valid.downtimeAllowance),
      latency_allowance_ms: valid.latencyAllowanceUs / 1000,
    },
    nodes,
    total_reward: total.toString(),
    withheld: (valid.pool - total).toString(),
  };
}

/** The settlement's terms, checked and in the exact forms the arithmetic uses. */
interface Terms {
  pool: bigint;
  quorum: Fraction;
  downtimeAllowance: Fraction;
  latencyAllowanceUs: number;
}

function checkedTerms({
  rewardPool,
  quorumFraction = DEFAULT_QUORUM_FRACTION,
  downtimeAllowanceFraction = DEFAULT_DOWNTIME_ALLOWANCE_FRACTION,
  latencyAllowanceMs = DEFAULT_LATENCY_ALLOWANCE_MS,
}: Omit<SettleExaminedInput, 'epoch' | 'previousSettlementHash' | 'assignments' | 'examined'>): Terms {
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
  return { pool, quorum, downtimeAllowance, latencyAllowanceUs };
}

/** One node's row: the medians of its monitors' evidence, its score and its reward, or why it has none. */
function settleNode(
  node: string,
  monitors: readonly string[],
  evidence: GroupEvidence,
  terms: Terms,
  nodeCount: number,
): { row: NodeSettlement; reward: bigint } {
  // Plain loops: this runs for every node, and array helpers allocated most of its time.
  const samples: number[] = [];
  const downtimes: number[] = [];
  const latencies: number[] = [];
  for (const entry of evidence.about(node)) {
    // A report with no samples of the node carries no evidence about it.
    if (entry === undefined || !(entry.samples > 0)) continue;
    samples.push(entry.samples);
    downtimes.push(entry.downtime_intervals);
    if (entry.latency_ms !== null) latencies.push(entry.latency_ms);
  }
  const required = Math.max(1, ceilTimes(monitors.length, terms.quorum));
  const base = {
    node,
    monitors_assigned: monitors.length,
    reports_counted: samples.length,
    quorum_required: required,
    quorum_met: samples.length >= required,
  };
  if (!base.quorum_met) {
    const row: NodeSettlement = {
      ...base,
      checks: null,
      downtime_intervals: null,
      latency_ms: null,
      score_ppm: null,
      reward: '0',
      reason: monitors.length === 0 ? 'no_monitors' : 'quorum_not_met',
    };
    return { row, reward: 0n };
  }
  const { checks, downtime } = medianDowntime(samples, downtimes);
  const latency = latencies.length === 0 ? null : medianOf(latencies);
  const score = scorePpm({
    checks,
    downtimeIntervals: downtime,
    latencyUs: latency === null ? null : toMicros(latency),
    downtimeAllowance: terms.downtimeAllowance,
    latencyAllowanceUs: terms.latencyAllowanceUs,
  });
  const reward = rewardOf(terms.pool, score, nodeCount);
  const row: NodeSettlement = {
    ...base,
    checks,
    downtime_intervals: downtime,
    latency_ms: latency,
    score_ppm: score,
    reward: reward.toString(),
    reason: reward > 0n ? null : score === 0 ? 'zero_score' : 'rounded_to_zero',
  };
  return { row, reward };
}

/**
 * The lower median of the monitors' downtime shares (down samples / samples), and the checks
 * and downtime of the monitor it belongs to. Taking the two counts from one monitor keeps the
 * pair consistent: separate medians could pair one monitor's checks with another's downtime,
 * so a node down all epoch could score above 0 when honest monitors counted different numbers
 * of probes. Shares are compared exactly (cross-multiplied); ties go to fewer down samples,
 * then fewer samples, so the choice is deterministic.
 */
function medianDowntime(
  samples: readonly number[],
  downtimes: readonly number[],
): { checks: number; downtime: number } {
  const order = samples.map((_, i) => i);
  order.sort((a, b) => {
    const sa = samples[a] as number;
    const sb = samples[b] as number;
    const da = downtimes[a] as number;
    const db = downtimes[b] as number;
    return da * sb - db * sa || da - db || sa - sb;
  });
  const k = order[Math.ceil(order.length / 2) - 1] as number;
  return { checks: samples[k] as number, downtime: downtimes[k] as number };
}
