// The seasonal-naive forecast, the benchmark every forecast must beat: each future interval
// repeats the last observed season. Its intervals follow Hyndman & Athanasopoulos (FPP3
// §5.5): the spread of the in-sample seasonal errors y[t] − y[t − m], widened by √(k + 1)
// where k = ⌊(h − 1)/m⌋ is the number of whole seasons between the data's end and step h.
// The spread is the empirical 80 % and 95 % quantiles of the errors' sizes |y[t] − y[t − m]|
// (R's type 7) rather than a normal σ, so the heavy tails of demand series (rare spikes)
// widen the 95 % interval more than the 80 % one; the intervals stay centred on the point.

import { fillMissing, isMissing } from './fill.ts';
import type { Model, Prediction } from './types.ts';

/** The `p` quantile (0–1) of sorted values, linearly interpolated (R's type 7); 0 for none. */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo] as number;
  return a + (h - lo) * ((sorted[hi] as number) - a);
}

/** Sizes of the in-sample seasonal errors |y[t] − y[t − period]| where both are observed, ascending. */
export function seasonalErrorSizes(y: ArrayLike<number>, period: number): Float64Array {
  const sizes: number[] = [];
  for (let t = period; t < y.length; t++) {
    const a = y[t] as number;
    const b = y[t - period] as number;
    if (!isMissing(a) && !isMissing(b)) sizes.push(Math.abs(a - b));
  }
  return Float64Array.from(sizes).sort();
}

/** The seasonal-naive model with `period` intervals per season (the training data needs at least one season). */
export function seasonalNaiveModel(period: number): Model {
  return function seasonalNaive(train: Float64Array, horizon: number): Prediction {
    if (train.length < period)
      throw new Error(`seasonal-naive needs ${period} observations, has ${train.length}`);
    const filled = fillMissing(train, period);
    const sizes = seasonalErrorSizes(train, period);
    const half80 = quantileOfSorted(sizes, 0.8);
    const half95 = quantileOfSorted(sizes, 0.95);
    const prediction: Prediction = { point: [], lower80: [], upper80: [], lower95: [], upper95: [] };
    const start = filled.length - period;
    for (let h = 1; h <= horizon; h++) {
      const point = filled[start + ((h - 1) % period)] as number;
      const widen = Math.sqrt(Math.floor((h - 1) / period) + 1);
      prediction.point.push(point);
      prediction.lower95.push(point - half95 * widen);
      prediction.lower80.push(point - half80 * widen);
      prediction.upper80.push(point + half80 * widen);
      prediction.upper95.push(point + half95 * widen);
    }
    return prediction;
  };
}
