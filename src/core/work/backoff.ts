import type { BackoffSpec } from './topic.ts';

/**
 * How long to wait before retry number `retry` (1-based) of a failed attempt.
 * Uniform waits `initial_ms` every time. Exponential uses full jitter (a uniform draw in
 * [0, min(max_ms, initial_ms × 2^(retry-1))) ), so many workers failing together do not
 * retry in lockstep. `random` is injectable for tests; it must return a value in [0, 1).
 */
export function backoffDelayMs(
  { kind, initial_ms, max_ms }: Pick<BackoffSpec, 'kind' | 'initial_ms' | 'max_ms'>,
  retry: number,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1)
    throw new RangeError(`retry must be an integer ≥ 1, got ${retry}`);
  if (kind === 'uniform') return initial_ms;
  // 2^(retry-1) overflows to Infinity for huge retries; min() keeps the ceiling finite.
  const ceiling = Math.min(max_ms, initial_ms * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
