import type { NodeQuality } from '../../store/repositories/node-quality.ts';

/**
 * The Laplace-smoothed share of a node's verified work that passed,
 * `(verified − failed + 1) / (verified + 2)`: one failure among few verdicts does not sink a
 * node, and a long clean record approaches 1. Null before any verdict.
 */
export function qualityScore({ verified, failed }: NodeQuality): number | null {
  if (verified === 0) return null;
  return (verified - failed + 1) / (verified + 2);
}

export function qualityView(quality: NodeQuality) {
  return { verified: quality.verified, failed: quality.failed, score: qualityScore(quality) };
}
