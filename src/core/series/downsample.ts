// Server-side downsampling of a time series for charts (decision 0070): the range is cut into
// at most `maxPoints` buckets of a round width, aligned to multiples of that width since 1970
// so they stay put while a dashboard's range slides, and each bucket is summarised by its
// mean or last reading with the lowest and highest beside it, so a spike inside a bucket
// still shows however far the chart is zoomed out.

/** One reading: when (UTC ms) and what. */
export interface Sample {
  t: number;
  value: number;
}

/** One bucket's summary. `t` is the bucket's start (UTC ms). */
export interface Point {
  t: number;
  value: number;
  min: number;
  max: number;
  /** How many readings the bucket summarises. */
  count: number;
}

/** What a bucket's `value` is: the mean of its readings, or the latest one. */
export type BucketValue = 'mean' | 'last';

/** The buckets over a range: `count` of them, `widthMs` wide, the first starting at `start`. */
export interface BucketGrid {
  start: number;
  widthMs: number;
  count: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Round bucket widths, smallest first; beyond the last, whole weeks. */
const WIDTHS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  WEEK,
];

function gridOf(from: number, to: number, widthMs: number): BucketGrid {
  const first = Math.floor(from / widthMs);
  return { start: first * widthMs, widthMs, count: Math.floor(to / widthMs) - first + 1 };
}

/**
 * The narrowest round width (at least `minWidthMs`) whose aligned buckets cover [from, to]
 * (both included) in at most `maxPoints` buckets. `maxPoints` must be at least 2: one aligned
 * bucket cannot hold an arbitrary range.
 */
export function bucketGrid(from: number, to: number, maxPoints: number, minWidthMs = SECOND): BucketGrid {
  if (!(to >= from)) throw new RangeError(`the range must not end before it starts (${from}, ${to})`);
  if (!Number.isSafeInteger(maxPoints) || maxPoints < 2) throw new RangeError('maxPoints must be ≥ 2');
  for (const width of WIDTHS) {
    if (width < minWidthMs) continue;
    const grid = gridOf(from, to, width);
    if (grid.count <= maxPoints) return grid;
  }
  // A width of at least span / (maxPoints − 1) always fits; start from it in whole weeks.
  let weeks = Math.max(1, Math.ceil((to - from) / (maxPoints - 1) / WEEK));
  for (;;) {
    const grid = gridOf(from, to, Math.max(weeks * WEEK, minWidthMs));
    if (grid.count <= maxPoints) return grid;
    weeks++;
  }
}

/**
 * Summarises the samples taken in [from, to] (both included) bucket by bucket on `grid`
 * (from bucketGrid over the same range). Empty buckets give no point: a chart shows the gap.
 * Samples outside the range, or whose value is not a finite number, are left out.
 */
export function downsample(
  samples: readonly Sample[],
  { from, to, grid, value }: { from: number; to: number; grid: BucketGrid; value: BucketValue },
): Point[] {
  const n = grid.count;
  const sum = new Float64Array(n);
  const min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const count = new Uint32Array(n);
  const lastT = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const last = new Float64Array(n);
  for (const s of samples) {
    if (s.t < from || s.t > to || !Number.isFinite(s.value)) continue;
    const i = Math.floor((s.t - grid.start) / grid.widthMs);
    sum[i] = (sum[i] as number) + s.value;
    if (s.value < (min[i] as number)) min[i] = s.value;
    if (s.value > (max[i] as number)) max[i] = s.value;
    count[i] = (count[i] as number) + 1;
    if (s.t >= (lastT[i] as number)) {
      lastT[i] = s.t;
      last[i] = s.value;
    }
  }
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const c = count[i] as number;
    if (c === 0) continue;
    const lo = min[i] as number;
    const hi = max[i] as number;
    // A float sum divided back can land a hair outside the readings it came from.
    const v = value === 'mean' ? Math.min(hi, Math.max(lo, (sum[i] as number) / c)) : (last[i] as number);
    points.push({ t: grid.start + i * grid.widthMs, value: v, min: lo, max: hi, count: c });
  }
  return points;
}
