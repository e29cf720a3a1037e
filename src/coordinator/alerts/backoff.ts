export interface BackoffPolicy {
  initial_backoff_ms: number;
  max_backoff_ms: number;
}

/**
 * The wait before the next attempt after `attempts` failed ones: exponential, capped, with
 * full jitter (a uniform draw up to the cap) so that many rows failing together against one
 * receiver come back spread out rather than in waves. `random` is injectable for tests.
 */
export function retryDelayMs(
  attempts: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempts - 1);
  // 2^exponent overflows to Infinity long before it matters; the cap takes over.
  const ceiling = Math.min(policy.max_backoff_ms, policy.initial_backoff_ms * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * A `Retry-After` header (seconds, or an HTTP date) in ms from `now`; null when absent or
 * unreadable. A receiver that says when to come back knows better than our backoff.
 */
export function parseRetryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
