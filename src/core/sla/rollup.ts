const SECOND_MS = 1_000;
const HOUR_MS = 3_600_000;

/**
 * Width of the outcome rollup buckets: 1/168 of the completion window (an hour for the
 * default 7 days), whole seconds, between one second and one hour. The completion window
 * is then never more than 1/168 longer than configured, at any window length, and a
 * time-compressed network (`vigil up`) sees completion violations resolve in minutes.
 */
export function rollupBucketMs(completionWindowS: number): number {
  const raw = Math.floor((completionWindowS * SECOND_MS) / 168 / SECOND_MS) * SECOND_MS;
  return Math.min(HOUR_MS, Math.max(SECOND_MS, raw));
}
