// Missing intervals (NaN) are filled before a model sees the series, the same way for every
// model, so the backtest compares models and not imputations. A gap inside the series is
// bridged by a straight line between its neighbours (what R's forecast::na.interp does for a
// non-seasonal series); a gap at the end, which has no right neighbour, repeats the values
// one season earlier, so the forecast starts from a plausible day rather than a flat line.
// Filling happens on each training slice alone, so a backtest never sees past its origin.

/** Whether `x` is a missing observation. */
export const isMissing = (x: number): boolean => Number.isNaN(x);

/** Index of the first observed value, or -1 when every value is missing. */
export function firstObserved(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!isMissing(values[i] as number)) return i;
  return -1;
}

/** How many values are observed (not NaN). */
export function countObserved(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!isMissing(values[i] as number)) n++;
  return n;
}

/**
 * A copy of `y` (first value observed) with interior gaps interpolated linearly and a trailing
 * gap filled from one `period` earlier (or the last observed value when that is missing too).
 */
export function fillMissing(y: Float64Array, period: number): Float64Array {
  const out = Float64Array.from(y);
  let last = -1;
  for (let i = 0; i < out.length; i++) {
    if (isMissing(out[i] as number)) continue;
    if (last >= 0 && i - last > 1) {
      const from = out[last] as number;
      const slope = ((out[i] as number) - from) / (i - last);
      for (let j = last + 1; j < i; j++) out[j] = from + slope * (j - last);
    }
    last = i;
  }
  for (let j = last + 1; j < out.length; j++) {
    const back = j - period;
    out[j] = back >= 0 ? (out[back] as number) : (out[last] as number);
  }
  return out;
}
