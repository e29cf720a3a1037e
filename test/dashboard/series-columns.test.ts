import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignSeries, type Series, seriesColumns } from '../../src/dashboard/lib/series-columns.ts';

const BUCKET_MS = 60_000;

/** A `GET /series` answer with a reading in each of the given buckets (value, min and max apart). */
function series(buckets: readonly number[], value: (bucket: number) => number = (b) => b * 10): Series {
  return {
    name: 'capacity.slots',
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-11-01T01:00:00.000Z',
    bucket_ms: BUCKET_MS,
    unit: 'slots',
    bucket_value: 'mean',
    points: buckets.map((b) => ({
      t: b * BUCKET_MS,
      value: value(b),
      min: value(b) - 1,
      max: value(b) + 1,
      count: 3,
    })),
  };
}

describe('dashboard series: seriesColumns', () => {
  it('turns a series into chart columns: times, values, bucket minima and maxima, in its order', () => {
    expect(seriesColumns(series([0, 1, 3]))).toEqual({
      x: [0, BUCKET_MS, 3 * BUCKET_MS],
      values: [0, 10, 30],
      min: [-1, 9, 29],
      max: [1, 11, 31],
    });
  });

  it('draws nothing while the series has not come, or has no points', () => {
    const empty = { x: [], values: [], min: [], max: [] };
    expect(seriesColumns(undefined)).toEqual(empty);
    expect(seriesColumns(series([]))).toEqual(empty);
  });
});

describe('dashboard series: alignSeries', () => {
  it('puts several series on one time axis, null where a series has no reading in a bucket', () => {
    const slots = series([0, 1, 2, 3], () => 40);
    const busy = series([1, 3], (b) => b);
    const queued = series([4], () => 7);
    expect(alignSeries([slots, busy, queued])).toEqual({
      x: [0, 1, 2, 3, 4].map((b) => b * BUCKET_MS),
      columns: [
        [40, 40, 40, 40, null],
        [null, 1, null, 3, null],
        [null, null, null, null, 7],
      ],
    });
  });

  it('keeps a column, all null, for a series not loaded yet, so each series keeps its place', () => {
    const { x, columns } = alignSeries([undefined, series([2, 1])]);
    expect(x).toEqual([BUCKET_MS, 2 * BUCKET_MS]);
    expect(columns).toEqual([
      [null, null],
      [10, 20],
    ]);
    expect(alignSeries([])).toEqual({ x: [], columns: [] });
    expect(alignSeries([undefined])).toEqual({ x: [], columns: [[]] });
  });

  it('keeps every reading at its own time, and invents none', () => {
    const bucketSets = fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 40 }), {
      maxLength: 5,
    });
    fc.assert(
      fc.property(bucketSets, fc.integer({ min: -1_000, max: 1_000 }), (sets, offset) => {
        const list = sets.map((buckets) => series(buckets, (b) => b + offset));
        const { x, columns } = alignSeries(list);
        // One axis: every time any series has, once, in order.
        const all = new Set(sets.flat().map((b) => b * BUCKET_MS));
        expect(x).toEqual([...all].sort((a, b) => a - b));
        expect(columns).toHaveLength(list.length);
        list.forEach((s, i) => {
          const column = columns[i] ?? [];
          expect(column).toHaveLength(x.length);
          const byTime = new Map(s.points.map((p) => [p.t, p.value]));
          x.forEach((t, j) => {
            expect(column[j]).toBe(byTime.has(t) ? byTime.get(t) : null);
          });
        });
      }),
    );
  });
});
