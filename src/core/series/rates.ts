import type { BucketGrid, Point } from './downsample.ts';

export const MINUTE_MS = 60_000;

/** How many events happened in the minute starting at `minute` (UTC ms, a multiple of MINUTE_MS). */
export interface MinuteCount {
  minute: number;
  n: number;
}

/**
 * Events per minute, bucket by bucket: the whole minutes in [from, to) (multiples of a minute)
 * on `grid` (whose width is whole minutes). A bucket's value is its events over its minutes,
 * its min and max the quietest and busiest minute, and its count the minutes it covers; a
 * minute with no entry in `counts` had no event. Every bucket in the range gives a point.
 */
export function ratePoints(
  counts: readonly MinuteCount[],
  { from, to, grid }: { from: number; to: number; grid: BucketGrid },
): Point[] {
  if (from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0 || grid.widthMs % MINUTE_MS !== 0) {
    throw new RangeError('rates are counted in whole minutes');
  }
  const n = grid.count;
  const sum = new Float64Array(n);
  const max = new Float64Array(n);
  const min = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const busyMinutes = new Uint32Array(n);
  for (const { minute, n: events } of counts) {
    if (minute < from || minute >= to) continue;
    const i = Math.floor((minute - grid.start) / grid.widthMs);
    sum[i] = (sum[i] as number) + events;
    busyMinutes[i] = (busyMinutes[i] as number) + 1;
    if (events > (max[i] as number)) max[i] = events;
    if (events < (min[i] as number)) min[i] = events;
  }
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const start = grid.start + i * grid.widthMs;
    const minutes = (Math.min(to, start + grid.widthMs) - Math.max(from, start)) / MINUTE_MS;
    if (minutes <= 0) continue;
    const busy = busyMinutes[i] as number;
    const lo = busy < minutes ? 0 : (min[i] as number);
    const hi = max[i] as number;
    const value = Math.min(hi, Math.max(lo, (sum[i] as number) / minutes));
    points.push({ t: start, value, min: lo, max: hi, count: minutes });
  }
  return points;
}
