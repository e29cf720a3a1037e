import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mean,
  mergeRecentSamples,
  percentile,
  type ResponseSample,
} from '../../../src/core/sla/percentile.ts';

const latency = fc.double({ min: 0, max: 120_000, noNaN: true, noDefaultInfinity: true });
const latencies = fc.array(latency, { minLength: 1, maxLength: 200 });
const p = fc.double({ min: 0, max: 100, noNaN: true });

describe('percentile (nearest rank)', () => {
  it('is null for no values', () => {
    expect(percentile([], 95)).toBeNull();
  });

  it('is always a value that was measured', () => {
    fc.assert(
      fc.property(latencies, p, (values, q) => {
        expect(values).toContain(percentile(values, q));
      }),
    );
  });

  it('never decreases as p grows', () => {
    fc.assert(
      fc.property(latencies, p, p, (values, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(percentile(values, lo)).toBeLessThanOrEqual(percentile(values, hi) as number);
      }),
    );
  });

  it('p100 is the maximum and p0 the minimum', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        expect(percentile(values, 100)).toBe(Math.max(...values));
        expect(percentile(values, 0)).toBe(Math.min(...values));
      }),
    );
  });

  it('picks the ⌈p·n/100⌉-th smallest value for whole-number p', () => {
    fc.assert(
      // Lengths up to 400: the rounding traps sit at lengths like 25, 50 and 100.
      fc.property(fc.integer({ min: 1, max: 400 }), (n) => {
        // n distinct values, given largest first, so the k-th smallest is k.
        const values = Array.from({ length: n }, (_, i) => n - i);
        for (let q = 0; q <= 100; q++) {
          // q·n is an exact integer, so this rank carries no rounding error.
          const rank = Math.max(1, Math.ceil((q * n) / 100));
          expect(percentile(values, q), `p${q} of ${n} values`).toBe(rank);
        }
      }),
    );
  });

  it('gives the 7th of 100 values as p7 and the 95th as p95', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 7)).toBe(7);
  });
});

describe('mean', () => {
  it('is null for no values and lies within [min, max] otherwise', () => {
    expect(mean([])).toBeNull();
    fc.assert(
      fc.property(latencies, (values) => {
        const m = mean(values) as number;
        // Summation may round by a few ulps past the extremes when all values are equal.
        const slack = 1e-9 * Math.max(1, Math.max(...values));
        expect(m).toBeGreaterThanOrEqual(Math.min(...values) - slack);
        expect(m).toBeLessThanOrEqual(Math.max(...values) + slack);
      }),
    );
  });
});

describe('mergeRecentSamples', () => {
  const sample = fc.tuple(fc.integer({ min: 0, max: 10_000 }), latency) as fc.Arbitrary<ResponseSample>;
  const samples = fc.array(sample, { maxLength: 80 });
  const finishTimes = (list: readonly ResponseSample[]) => list.map((s) => s[0]).sort((a, b) => a - b);

  it('keeps the `limit` latest samples by finish time, oldest first', () => {
    fc.assert(
      fc.property(samples, samples, fc.integer({ min: 0, max: 100 }), (existing, added, limit) => {
        const merged = mergeRecentSamples(existing, added, limit);
        const all = [...existing, ...added];
        expect(merged).toHaveLength(Math.min(limit, all.length));
        const latest = finishTimes(all).slice(Math.max(0, all.length - limit));
        expect(merged.map((s) => s[0])).toEqual(latest);
        // Every kept sample is one that arrived, with its own duration.
        for (const kept of merged) expect(all).toContainEqual(kept);
      }),
    );
  });

  it('keeps everything when under the limit', () => {
    fc.assert(
      fc.property(samples, samples, (existing, added) => {
        const merged = mergeRecentSamples(existing, added, existing.length + added.length);
        expect([...merged].sort(compareSamples)).toEqual([...existing, ...added].sort(compareSamples));
      }),
    );
  });
});

function compareSamples(a: ResponseSample, b: ResponseSample): number {
  return a[0] - b[0] || a[1] - b[1];
}
