/**
 * How long a live page waits before its next poll: the normal interval while the coordinator
 * answers, then doubling from it after each failure up to a minute, with jitter so many open
 * pages do not come back at the same instant when the coordinator does.
 */
export function nextPollDelay(intervalMs: number, failures: number, random = Math.random): number {
  if (failures <= 0) return intervalMs;
  const capped = Math.min(60_000, intervalMs * 2 ** Math.min(failures, 10));
  return Math.round(capped * (0.75 + random() * 0.5));
}
