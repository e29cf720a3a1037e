import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../src/core/work/backoff.ts';

describe('backoffDelayMs', () => {
  it('uniform waits initial_ms whatever the retry and the random draw', () => {
    const spec = { kind: 'uniform', initial_ms: 750, max_ms: 60_000 } as const;
    for (const retry of [1, 2, 5, 40]) {
      expect(backoffDelayMs(spec, retry, () => 0)).toBe(750);
      expect(backoffDelayMs(spec, retry, () => 0.999)).toBe(750);
    }
  });

  it('exponential doubles the ceiling per retry and scales it by the random draw', () => {
    const spec = { kind: 'exponential', initial_ms: 100, max_ms: 60_000 } as const;
    const top = () => 0.999_999;
    expect(backoffDelayMs(spec, 1, () => 0.5)).toBe(50);
    expect(backoffDelayMs(spec, 2, () => 0.5)).toBe(100);
    expect(backoffDelayMs(spec, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(spec, 4, top)).toBe(799);
    expect(backoffDelayMs(spec, 1, () => 0)).toBe(0);
  });

  it('exponential never exceeds max_ms, even for retries whose power overflows', () => {
    const spec = { kind: 'exponential', initial_ms: 1000, max_ms: 5000 } as const;
    expect(backoffDelayMs(spec, 4, () => 0.5)).toBe(2500);
    expect(backoffDelayMs(spec, 10, () => 0.5)).toBe(2500);
    expect(backoffDelayMs(spec, 5000, () => 0.999_999)).toBe(4999);
  });

  it('exponential stays in [0, min(max, initial × 2^(retry-1))) for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initial_ms, extra, retry, draw) => {
          const max_ms = initial_ms + extra;
          const delay = backoffDelayMs({ kind: 'exponential', initial_ms, max_ms }, retry, () => draw);
          const ceiling = Math.min(max_ms, initial_ms * 2 ** (retry - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it('uses Math.random by default and spreads delays across the range', () => {
    const spec = { kind: 'exponential', initial_ms: 1000, max_ms: 1000 } as const;
    const delays = Array.from({ length: 400 }, () => backoffDelayMs(spec, 3));
    expect(Math.min(...delays)).toBeLessThan(250);
    expect(Math.max(...delays)).toBeGreaterThan(750);
  });

  it('refuses a retry number below 1 or not an integer', () => {
    const spec = { kind: 'uniform', initial_ms: 1, max_ms: 1 } as const;
    expect(() => backoffDelayMs(spec, 0)).toThrow(RangeError);
    expect(() => backoffDelayMs(spec, 1.5)).toThrow(RangeError);
  });
});
