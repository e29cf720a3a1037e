import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfterMs } from '../../src/platform/retry.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

describe('backoffMs', () => {
  it('doubles up to the cap; equal jitter keeps the wait in the ceiling’s upper half', () => {
    const base = { initialMs: 1000, maxMs: 60_000 };
    expect(backoffMs(1, { ...base, random: () => 0 })).toBe(500);
    expect(backoffMs(1, { ...base, random: () => 1 })).toBe(1000);
    expect(backoffMs(4, { ...base, random: () => 1 })).toBe(8000);
    expect(backoffMs(30, { ...base, random: () => 1 })).toBe(60_000);
    expect(backoffMs(30, { ...base, random: () => 0 })).toBe(30_000);
  });

  it('with full jitter draws anywhere below the ceiling', () => {
    const base = { initialMs: 1000, maxMs: 300_000, jitter: 'full' } as const;
    expect([1, 2, 3, 4].map((n) => backoffMs(n, { ...base, random: () => 0.999999 }))).toEqual([
      999, 1999, 3999, 7999,
    ]);
    expect(backoffMs(30, { ...base, random: () => 0.999999 })).toBe(299_999);
    expect(backoffMs(2000, { ...base, random: () => 0.5 })).toBe(150_000);
    expect(backoffMs(3, { ...base, random: () => 0 })).toBe(0);
  });

  it('never waits less than the receiver asked, up to the cap', () => {
    const base = { initialMs: 1000, maxMs: 60_000, random: () => 0 };
    expect(backoffMs(1, { ...base, retryAfterMs: 20_000 })).toBe(20_000);
    expect(backoffMs(1, { ...base, retryAfterMs: 600_000 })).toBe(60_000);
    expect(backoffMs(1, { ...base, jitter: 'full', retryAfterMs: 5_000 })).toBe(5_000);
  });

  it('stays finite for huge attempt counts and a zero initial wait', () => {
    expect(backoffMs(1e9, { initialMs: 1000, maxMs: 60_000, random: () => 1 })).toBe(60_000);
    expect(backoffMs(1e9, { initialMs: 0, maxMs: 60_000, random: () => 1 })).toBe(0);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds or an HTTP date, and nothing else', () => {
    expect(parseRetryAfterMs('120', T0)).toBe(120_000);
    expect(parseRetryAfterMs(' 3 ', T0)).toBe(3_000);
    expect(parseRetryAfterMs(new Date(T0 + 30_000).toUTCString(), T0)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(T0 - 30_000).toUTCString(), T0)).toBe(0);
    expect(parseRetryAfterMs('soon', T0)).toBeNull();
    expect(parseRetryAfterMs('', T0)).toBeNull();
    expect(parseRetryAfterMs(null, T0)).toBeNull();
    expect(parseRetryAfterMs(undefined, T0)).toBeNull();
    expect(parseRetryAfterMs(['1', '2'], T0)).toBeNull();
  });
});
