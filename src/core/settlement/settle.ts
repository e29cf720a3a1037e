import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { importPublicKey, isPublicKeyText, type PublicKeyInput, verifyBytes } from '../crypto/ed25519.ts';
import { isSha256Hex, sha256Hex } from '../crypto/hash.ts';
import { validReportJson } from '../reports/encode.ts';
import { reportDigestOfJson } from '../reports/sign.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import type { SignedReport, TargetSummary } from '../reports/types.ts';
import { NODE_ID_PATTERN, signedReportIssues } from '../reports/validate.ts';
import { ceilTimes, type Fraction, formatFraction, parseFraction } from './fraction.ts';
import { medianOf } from './median.ts';
import { merkleRoot } from './merkle.ts';
import { rewardOf, scorePpm } from './reward.ts';
import type { NodeSettlement, RejectedReport, Settlement } from './types.ts';

export const DEFAULT_QUORUM_FRACTION = '1/2';
export const DEFAULT_DOWNTIME_ALLOWANCE_FRACTION = '1/30';
/** SKALE Manager ships `allowableLatency = 150000`: 150 ms read as microseconds. */
export const DEFAULT_LATENCY_ALLOWANCE_MS = 150;

export interface SettleEpochInput {
  epoch: number;
  /** settlementHash of the previous epoch's settlement, or GENESIS_SETTLEMENT_HASH for the first. */
  previousSettlementHash: string;
  /** The epoch's monitoring groups: audited node → its monitors. Every key is settled. */
  assignments: ReadonlyMap<string, readonly string[]>;
  /** Signed reports as received, in any order; each is checked here (shape, epoch, assignment, key, signature). */
  reports: readonly unknown[];
  /** Registered public keys by node id. */
  monitorKeys: ReadonlyMap<string, PublicKeyInput>;
  /** Integer minor units: a bigint or a decimal string, never a float. */
  rewardPool: bigint | string;
  /** Share of a group needed for a verdict, "1/2" by default; at least one report is always needed. */
  quorumFraction?: number | string;
  /** Share of checks that may be down without reduction, "1/30" by default. */
  downtimeAllowanceFraction?: number | string;
  /** Mean latency above this scales the reward by allowance/latency; whole microseconds. */
  latencyAllowanceMs?: number;
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

function digestOrNull(value: unknown): string | null {
  try {
    return sha256Hex(canonicalJson(value));
  } catch {
    return null;
  }
}

function claimedMonitor(value: unknown): string | null {
  const monitor = (value as { report?: { monitor?: unknown } } | null)?.report?.monitor;
  return typeof monitor === 'string' && NODE_ID_PATTERN.test(monitor) ? monitor : null;
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareCodeUnits(a, b);
}

interface Intake {
  /** monitor → its one accepted report's entries for targets it was assigned */
  entries: Map<string, Map<string, TargetSummary>>;
  digests: string[];
  rejected: RejectedReport[];
}

/** Keeps the reports that count: one per assigned monitor, well formed, for this epoch, correctly signed. */
function intake(
  epoch: number,
  reports: readonly unknown[],
  targetsOf: Map<string, Set<string>>,
  monitorKeys: ReadonlyMap<string, PublicKeyInput>,
): Intake {
  const rejected: RejectedReport[] = [];
  const seen = new Set<string>();
  const candidates = new Map<string, Map<string, SignedReport>>();
  const keys = new Map<string, KeyObject | null>();
  // A registered key that cannot be used is treated as no key: that monitor's reports cannot count.
  const keyOf = (monitor: string): KeyObject | null => {
    if (!keys.has(monitor)) {
      const registered = monitorKeys.get(monitor);
      let key: KeyObject | null = null;
      if (typeof registered === 'string' && isPublicKeyText(registered)) {
        try {
          key = importPublicKey(registered);
        } catch {
          key = null;
        }
      } else if (typeof registered === 'object' && registered.asymmetricKeyType === 'ed25519') {
        key = registered.type === 'public' ? registered : null;
      }
      keys.set(monitor, key);
    }
    return keys.get(monitor) ?? null;
  };

  for (const raw of reports) {
    if (signedReportIssues(raw).length > 0) {
      const digest = digestOrNull(raw);
      if (digest !== null && seen.has(digest)) continue;
      if (digest !== null) seen.add(digest);
      rejected.push({ monitor: claimedMonitor(raw), digest, reason: 'malformed' });
      continue;
    }
    const signed = raw as SignedReport;
    // Encoded once, for both the digest and the signature: encoding is most of settlement's time.
    const reportJson = validReportJson(signed.report);
    const digest = reportDigestOfJson(reportJson, signed.signature);
    // The same report sent twice counts once.
    if (seen.has(digest)) continue;
    seen.add(digest);
    const { monitor } = signed.report;
    const reject = (reason: RejectedReport['reason']) => rejected.push({ monitor, digest, reason });
    if (signed.report.epoch !== epoch) reject('wrong_epoch');
    else if (!targetsOf.has(monitor)) reject('not_assigned');
    else {
      const key = keyOf(monitor);
      if (key === null) reject('unknown_key');
      else if (!verifyBytes(Buffer.from(reportJson, 'utf8'), signed.signature, key)) reject('bad_signature');
      else {
        const byDigest = candidates.get(monitor) ?? new Map<string, SignedReport>();
        candidates.set(monitor, byDigest.set(digest, signed));
      }
    }
  }

  const entries = new Map<string, Map<string, TargetSummary>>();
  const digests: string[] = [];
  for (const [monitor, byDigest] of candidates) {
    if (byDigest.size > 1) {
      for (const digest of byDigest.keys()) rejected.push({ monitor, digest, reason: 'conflicting_reports' });
      continue;
    }
    const [digest, signed] = [...byDigest][0] as [string, SignedReport];
    digests.push(digest);
    const assigned = targetsOf.get(monitor) as Set<string>;
    const byTarget = new Map<string, TargetSummary>();
    for (const entry of signed.report.targets)
      if (assigned.has(entry.target)) byTarget.set(entry.target, entry);
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
export function settleEpoch({
  epoch,
  previousSettlementHash,
  assignments,
  reports,
  monitorKeys,
  rewardPool,
  quorumFraction = DEFAULT_QUORUM_FRACTION,
  downtimeAllowanceFraction = DEFAULT_DOWNTIME_ALLOWANCE_FRACTION,
  latencyAllowanceMs = DEFAULT_LATENCY_ALLOWANCE_MS,
}: SettleEpochInput): Settlement {
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
  const { entries, digests, rejected } = intake(epoch, reports, targetsOf, monitorKeys);
  const nodeIds = [...assignments.keys()].sort(compareCodeUnits);

  let total = 0n;
  const nodes = nodeIds.map((node): NodeSettlement => {
    const monitors = assignments.get(node) as readonly string[];
    const counted: TargetSummary[] = [];
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
