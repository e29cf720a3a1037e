import { floorTo, HOUR_MS } from '../time.ts';

const SECOND_MS = 1_000;
/** Coarse buckets hold this many fine ones (a day of hours at the default window). */
const FINE_PER_COARSE = 24;

/**
 * Width of the fine outcome rollup buckets: 1/168 of the completion window (an hour for the
 * default 7 days), whole seconds, between one second and one hour. The completion window
 * is then never more than 1/168 longer than configured, at any window length, and a
 * time-compressed network (`vigil up`) sees completion violations resolve in minutes.
 */
export function rollupBucketMs(completionWindowS: number): number {
  const raw = Math.floor((completionWindowS * SECOND_MS) / 168 / SECOND_MS) * SECOND_MS;
  return Math.min(HOUR_MS, Math.max(SECOND_MS, raw));
}

/** Outcomes are counted twice: in fine buckets (the window's ragged start) and coarse ones (the rest). */
export interface RollupGrain {
  fineMs: number;
  coarseMs: number;
}

export function rollupGrain(completionWindowS: number): RollupGrain {
  const fineMs = rollupBucketMs(completionWindowS);
  return { fineMs, coarseMs: fineMs * FINE_PER_COARSE };
}

/**
 * Which buckets sum a completion window starting at `from`: fine buckets from the one holding
 * `from` up to the first coarse boundary, coarse buckets from there on. A 7-day window then
 * reads at most 24 hourly and 8 daily rows per node instead of 168 hourly ones.
 */
export function completionBuckets(
  from: number,
  { fineMs, coarseMs }: RollupGrain,
): { fineFrom: number; coarseFrom: number } {
  const fineFrom = floorTo(from, fineMs);
  const coarseFrom = Math.ceil(fineFrom / coarseMs) * coarseMs;
  return { fineFrom, coarseFrom };
}
