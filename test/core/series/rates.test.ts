import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketGrid } from '../../../src/core/series/downsample.ts';
import { MINUTE_MS, type MinuteCount, ratePoints } from '../../../src/core/series/rates.ts';

const T0 = Date.UTC(2026, 10, 1);

function range(fromMinute: number, minutes: number, maxPoints: number) {
  const from = T0 + fromMinute * MINUTE_MS;
  const to = from + minutes * MINUTE_MS;
  return { from, to, grid: bucketGrid(from, Math.max(from, to - 1), maxPoints, MINUTE_MS) };
}

describe('ratePoints', () => {
  it('turns minute counts into events per minute, quiet minutes counting as zero', () => {
    const r = range(0, 10, 2);
    expect(r.grid.widthMs).toBe(5 * MINUTE_MS);
    const counts: MinuteCount[] = [
      { minute: T0, n: 10 },
      { minute: T0 + 2 * MINUTE_MS, n: 5 },
      ...[5, 6, 7, 8, 9].map((m) => ({ minute: T0 + m * MINUTE_MS, n: 3 })),
    ];
    expect(ratePoints(counts, r)).toEqual([
      { t: T0, value: 3, min: 0, max: 10, count: 5 },
      { t: T0 + 5 * MINUTE_MS, value: 3, min: 3, max: 3, count: 5 },
    ]);
  });

  it('covers a bucket the range only partly spans with the minutes it does span', () => {
    // Minutes 3 to 6 on 5-minute buckets: two minutes in the first bucket, two in the second.
    const r = range(3, 4, 2);
    const points = ratePoints([{ minute: T0 + 4 * MINUTE_MS, n: 8 }], r);
    expect(points.map((p) => [p.count, p.value])).toEqual([
      [2, 4],
      [2, 0],
    ]);
  });

  it('refuses anything but whole minutes', () => {
    const r = range(0, 10, 10);
    expect(() => ratePoints([], { ...r, from: r.from + 1 })).toThrow(RangeError);
  });

  it('keeps every event, min ≤ value ≤ max, the busiest minute, and every minute of the range once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 2, max: 400 }),
        fc.uniqueArray(fc.integer({ min: -10, max: 5_010 }), { maxLength: 200 }),
        fc.infiniteStream(fc.integer({ min: 1, max: 1_000 })),
        (fromMinute, minutes, maxPoints, busy, sizes) => {
          const r = range(fromMinute, minutes, maxPoints);
          const counts = busy.map((m) => ({ minute: r.from + m * MINUTE_MS, n: sizes.next().value }));
          const inRange = counts.filter((c) => c.minute >= r.from && c.minute < r.to);
          const points = ratePoints(counts, r);
          expect(points.length).toBeLessThanOrEqual(maxPoints);
          expect(points.reduce((a, p) => a + p.count, 0)).toBe(minutes);
          const events = points.reduce((a, p) => a + p.value * p.count, 0);
          expect(events).toBeCloseTo(
            inRange.reduce((a, c) => a + c.n, 0),
            6,
          );
          for (const p of points) {
            expect(p.min).toBeLessThanOrEqual(p.value);
            expect(p.value).toBeLessThanOrEqual(p.max);
          }
          if (inRange.length > 0)
            expect(Math.max(...points.map((p) => p.max))).toBe(Math.max(...inRange.map((c) => c.n)));
        },
      ),
    );
  });
});
