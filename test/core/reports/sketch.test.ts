import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptySketch,
  MAX_LATENCY_MS,
  MIN_LATENCY_MS,
  mergeSketches,
  sketchCount,
  sketchKeyRange,
  sketchOf,
  sketchPercentile,
} from '../../../src/core/reports/sketch.ts';

const latency = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 20, arbitrary: fc.double({ min: 0.001, max: 1e6, noNaN: true }) },
);
const latencies = fc.array(latency, { minLength: 1, maxLength: 300 });
const accuracy = fc.constantFrom(0.005, 0.01, 0.02, 0.05);
const p = fc.double({ min: 0, max: 100, noNaN: true });

/** The value the sketch's rank rule points at: the ⌊p/100·(n−1)⌋-th smallest, 0-based. */
function exactPercentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((q / 100) * (sorted.length - 1))] as number;
}

function withinAccuracy(estimate: number, exact: number, alpha: number): boolean {
  return Math.abs(estimate - exact) <= alpha * exact * (1 + 1e-9);
}

describe('latency sketch', () => {
  it('writes dense counts between the lowest and highest non-empty bins, and a zero count', () => {
    const sketch = sketchOf([0, 10, 10, 10.05, 200, 0]);
    expect(sketch.relative_accuracy).toBe(0.01);
    expect(sketch.zero_count).toBe(2);
    expect(sketchCount(sketch)).toBe(6);
    // 10 and 10.05 differ by less than a bin's width, so they share one.
    expect(sketch.counts.filter((n) => n > 0)).toEqual([3, 1]);
    expect(sketch.counts[0]).toBe(3);
    expect(sketch.counts.at(-1)).toBe(1);
    expect(sketch.key_offset + sketch.counts.length - 1).toBeGreaterThan(sketch.key_offset + 100);
    expect(emptySketch()).toEqual({ relative_accuracy: 0.01, zero_count: 0, key_offset: 0, counts: [] });
    expect(sketchOf([0, 0])).toEqual({ relative_accuracy: 0.01, zero_count: 2, key_offset: 0, counts: [] });
    // Under a nanosecond is 0; the extremes of the allowed range stay inside the key range.
    expect(sketchOf([1e-7]).zero_count).toBe(1);
    const [low, high] = sketchKeyRange(0.01);
    const wide = sketchOf([MIN_LATENCY_MS, MAX_LATENCY_MS]);
    expect(wide.key_offset).toBeGreaterThanOrEqual(low);
    expect(wide.key_offset + wide.counts.length - 1).toBeLessThanOrEqual(high);
  });

  it('is deterministic: the same values in any order encode identically', () => {
    fc.assert(
      fc.property(latencies, accuracy, (values, alpha) => {
        expect(sketchOf([...values].reverse(), alpha)).toEqual(sketchOf(values, alpha));
      }),
    );
  });

  it('reads percentiles within its relative accuracy of the measured value', () => {
    fc.assert(
      fc.property(latencies, accuracy, p, (values, alpha, q) => {
        const estimate = sketchPercentile(sketchOf(values, alpha), q) as number;
        expect(withinAccuracy(estimate, exactPercentile(values, q), alpha)).toBe(true);
      }),
    );
  });

  it('merged equals the sketch of the union, bin for bin', () => {
    fc.assert(
      fc.property(fc.array(latencies, { minLength: 1, maxLength: 6 }), accuracy, (parts, alpha) => {
        const [first, ...rest] = parts.map((values) => sketchOf(values, alpha));
        expect(mergeSketches(first!, ...rest)).toEqual(sketchOf(parts.flat(), alpha));
      }),
    );
  });

  it('merged reads the union percentiles within the relative accuracy', () => {
    fc.assert(
      fc.property(latencies, latencies, accuracy, p, (a, b, alpha, q) => {
        const merged = mergeSketches(sketchOf(a, alpha), sketchOf(b, alpha));
        const estimate = sketchPercentile(merged, q) as number;
        expect(withinAccuracy(estimate, exactPercentile([...a, ...b], q), alpha)).toBe(true);
      }),
    );
  });

  it('merges commutatively and associatively', () => {
    fc.assert(
      fc.property(latencies, latencies, latencies, (a, b, c) => {
        const [sa, sb, sc] = [sketchOf(a), sketchOf(b), sketchOf(c)];
        expect(mergeSketches(sa, sb)).toEqual(mergeSketches(sb, sa));
        expect(mergeSketches(mergeSketches(sa, sb), sc)).toEqual(mergeSketches(sa, mergeSketches(sb, sc)));
      }),
    );
  });

  it('is empty without values, and merging with empty changes nothing', () => {
    expect(sketchPercentile(emptySketch(), 95)).toBeNull();
    expect(sketchCount(sketchOf([]))).toBe(0);
    const s = sketchOf([1, 2, 3]);
    expect(mergeSketches(emptySketch(), s)).toEqual(s);
  });

  it('refuses to merge sketches of different accuracy', () => {
    expect(() => mergeSketches(sketchOf([1], 0.01), sketchOf([1], 0.02))).toThrow(
      /relative accuracy 0.01 and 0.02/,
    );
  });

  it('refuses bad input', () => {
    expect(() => sketchOf([-1])).toThrow(/between 0 and 1000000000 ms/);
    expect(() => sketchOf([2e9])).toThrow(/between 0 and 1000000000 ms/);
    expect(() => sketchOf([Number.NaN])).toThrow(/got NaN/);
    expect(() => sketchOf([1], 1)).toThrow(/between 0 and 1/);
    expect(() => sketchPercentile(sketchOf([1]), 101)).toThrow(/between 0 and 100/);
  });
});
