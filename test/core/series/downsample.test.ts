import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BucketValue,
  bucketGrid,
  downsample,
  type Sample,
} from '../../../src/core/series/downsample.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 1, 12, 7, 13);

/** A range of up to 400 days, ending anywhere in 1970–2100, with samples in and around it. */
const scenario = fc
  .record({
    to: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    span: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 400 * 24 * HOUR })),
    maxPoints: fc.integer({ min: 2, max: 2000 }),
    minWidthMs: fc.constantFrom(1, 1000, 60_000),
    value: fc.constantFrom<BucketValue>('mean', 'last'),
  })
  .chain((r) =>
    fc.record({
      ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fc.constant(v)])),
      samples: fc.array(
        fc.record({
          t: fc.integer({ min: r.to - r.span - 1000, max: r.to + 1000 }),
          value: fc.oneof(
            fc.double({ min: -1e9, max: 1e9, noNaN: true }),
            fc.constantFrom(0, 0.1, 100, Number.NaN, Number.POSITIVE_INFINITY),
          ),
        }),
        { maxLength: 300 },
      ),
    }),
  ) as fc.Arbitrary<{
  to: number;
  span: number;
  maxPoints: number;
  minWidthMs: number;
  value: BucketValue;
  samples: Sample[];
}>;

describe('bucketGrid', () => {
  it('picks the narrowest round width that fits: 24 h in 300 points is 5-minute buckets', () => {
    const grid = bucketGrid(NOW - 24 * HOUR, NOW, 300);
    expect(grid.widthMs).toBe(5 * 60_000);
    expect(grid.start).toBe(Math.floor((NOW - 24 * HOUR) / grid.widthMs) * grid.widthMs);
    expect(grid.count).toBe(289);
    expect(bucketGrid(NOW - HOUR, NOW, 300).widthMs).toBe(15_000);
    expect(bucketGrid(NOW - HOUR, NOW, 300, 60_000).widthMs).toBe(60_000);
    expect(bucketGrid(NOW - 400 * 24 * HOUR, NOW, 2).widthMs % (7 * 24 * HOUR)).toBe(0);
  });

  it('covers the range in at most maxPoints aligned buckets of at least the minimum width', () => {
    fc.assert(
      fc.property(scenario, ({ to, span, maxPoints, minWidthMs }) => {
        const from = to - span;
        const grid = bucketGrid(from, to, maxPoints, minWidthMs);
        expect(grid.count).toBeGreaterThanOrEqual(1);
        expect(grid.count).toBeLessThanOrEqual(maxPoints);
        expect(grid.widthMs).toBeGreaterThanOrEqual(minWidthMs);
        expect(grid.widthMs % minWidthMs).toBe(0);
        expect(Math.abs(grid.start % grid.widthMs)).toBe(0);
        expect(grid.start).toBeLessThanOrEqual(from);
        expect(grid.start + grid.count * grid.widthMs).toBeGreaterThan(to);
      }),
    );
  });

  it('refuses a range that ends before it starts, and fewer than two points', () => {
    expect(() => bucketGrid(2, 1, 10)).toThrow(RangeError);
    expect(() => bucketGrid(1, 2, 1)).toThrow(RangeError);
  });
});

describe('downsample', () => {
  it('summarises each bucket by mean or last, with min, max and count', () => {
    const from = Date.UTC(2026, 0, 1);
    const grid = bucketGrid(from, from + 10 * 60_000 - 1, 10, 60_000);
    const samples: Sample[] = [
      { t: from + 1_000, value: 1 },
      { t: from + 50_000, value: 9 },
      { t: from + 30_000, value: 2 },
      { t: from + 5 * 60_000, value: 4 },
    ];
    const range = { from, to: from + 10 * 60_000 - 1, grid };
    expect(downsample(samples, { ...range, value: 'mean' })).toEqual([
      { t: from, value: 4, min: 1, max: 9, count: 3 },
      { t: from + 5 * 60_000, value: 4, min: 4, max: 4, count: 1 },
    ]);
    expect(downsample(samples, { ...range, value: 'last' })[0]).toEqual({
      t: from,
      value: 9,
      min: 1,
      max: 9,
      count: 3,
    });
  });

  it('never exceeds the points asked for, keeps min ≤ value ≤ max, counts every reading once and keeps spikes', () => {
    fc.assert(
      fc.property(scenario, ({ to, span, maxPoints, minWidthMs, value, samples }) => {
        const from = to - span;
        const grid = bucketGrid(from, to, maxPoints, minWidthMs);
        const points = downsample(samples, { from, to, grid, value });
        const kept = samples.filter((s) => s.t >= from && s.t <= to && Number.isFinite(s.value));
        expect(points.length).toBeLessThanOrEqual(maxPoints);
        expect(points.reduce((a, p) => a + p.count, 0)).toBe(kept.length);
        for (const p of points) {
          expect(p.min).toBeLessThanOrEqual(p.value);
          expect(p.value).toBeLessThanOrEqual(p.max);
          expect(p.count).toBeGreaterThan(0);
          expect((p.t - grid.start) % grid.widthMs).toBe(0);
        }
        for (let i = 1; i < points.length; i++) expect(points[i]!.t).toBeGreaterThan(points[i - 1]!.t);
        if (kept.length > 0) {
          // The highest and lowest readings survive however coarse the buckets.
          expect(Math.max(...points.map((p) => p.max))).toBe(Math.max(...kept.map((s) => s.value)));
          expect(Math.min(...points.map((p) => p.min))).toBe(Math.min(...kept.map((s) => s.value)));
        }
      }),
    );
  });

  it('gives each bucket the latest reading as its value when asked for the last', () => {
    fc.assert(
      fc.property(scenario, ({ to, span, maxPoints, samples }) => {
        const from = to - span;
        const grid = bucketGrid(from, to, maxPoints);
        for (const p of downsample(samples, { from, to, grid, value: 'last' })) {
          const inBucket = samples.filter(
            (s) =>
              s.t >= Math.max(from, p.t) && s.t < p.t + grid.widthMs && s.t <= to && Number.isFinite(s.value),
          );
          const latest = Math.max(...inBucket.map((s) => s.t));
          expect(inBucket.filter((s) => s.t === latest).map((s) => s.value)).toContain(p.value);
        }
      }),
    );
  });
});
