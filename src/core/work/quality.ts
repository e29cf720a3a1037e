/** A node's verdict counters: verified jobs, and of those the ones that failed. */
export interface VerdictCounts {
  verified: number;
  failed: number;
}

/**
 * The Laplace-smoothed share of a node's verified work that passed,
 * `(verified − failed + 1) / (verified + 2)`: one failure among few verdicts does not sink a
 * node, and a long clean record approaches 1. Null before any verdict.
 */
export function qualityScore({ verified, failed }: VerdictCounts): number | null {
  if (verified === 0) return null;
  return (verified - failed + 1) / (verified + 2);
}
