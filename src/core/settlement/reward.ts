import type { Fraction } from './fraction.ts';

/** Scores are integers in parts per million: 1,000,000 is a full share. */
export const SCORE_SCALE = 1_000_000;

export interface ScoreInput {
  /** Median probes per monitor: how many checks the epoch had. At least 1. */
  checks: number;
  /** Median down probes per monitor. */
  downtimeIntervals: number;
  /** Median mean latency in whole microseconds, or null when no monitor measured one. */
  latencyUs: number | null;
  /** Downtime up to this share of the checks is forgiven (SKALE: 1/30). */
  downtimeAllowance: Fraction;
  latencyAllowanceUs: number;
}

/**
 * SKALE Manager's bounty reduction as a score, exactly:
 *   downtime factor = 1 when D ≤ C·allowance, else (C − min(D, C)) / C   (all downtime counts once over)
 *   latency factor  = 1 when L ≤ allowance,   else allowance / L
 *   score_ppm       = ⌊1,000,000 · downtime factor · latency factor⌋
 * computed in integers, so every verifier gets the same number.
 */
export function scorePpm({
  checks,
  downtimeIntervals,
  latencyUs,
  downtimeAllowance,
  latencyAllowanceUs,
}: ScoreInput): number {
  if (!(Number.isSafeInteger(checks) && checks >= 1))
    throw new RangeError(`checks must be ≥ 1, got ${checks}`);
  const c = BigInt(checks);
  const d = BigInt(downtimeIntervals);
  let numerator = BigInt(SCORE_SCALE);
  let denominator = 1n;
  if (d * downtimeAllowance.denominator > c * downtimeAllowance.numerator) {
    numerator *= c - (d < c ? d : c);
    denominator *= c;
  }
  if (latencyUs !== null && latencyUs > latencyAllowanceUs) {
    numerator *= BigInt(latencyAllowanceUs);
    denominator *= BigInt(latencyUs);
  }
  return Number(numerator / denominator);
}

/**
 * A node's reward: its score's part of an equal share of the pool,
 * ⌊pool · score_ppm / (nodes · 1,000,000)⌋. Flooring each reward keeps the sum within the
 * pool; what scores and flooring leave over is withheld, as SKALE withholds reduced bounty.
 */
export function rewardOf(pool: bigint, score: number, nodes: number): bigint {
  if (nodes <= 0) return 0n;
  return (pool * BigInt(score)) / (BigInt(nodes) * BigInt(SCORE_SCALE));
}
