// The seasonal-naive forecast, the benchmark every forecast must beat: each future interval
// repeats the last observed season. Its intervals follow Hyndman & Athanasopoulos (FPP3
// §5.5): the spread of the in-sample seasonal errors y[t] − y[t − m], widened by √(k + 1)
// where k = ⌊(h − 1)/m⌋ is the number of whole seasons between the data's end and step h.
// The spread is the errors' own empirical quantiles (R's type 7) rather than a normal
// σ, so the skewed errors of demand series (rare spikes up) give skewed intervals.

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

/** In-sample seasonal errors y[t] − y[t − period] where both are observed, sorted ascending. */
export function seasonalErrors(y: ArrayLike<number>, period: number): Float64Array {
  const errors: number[] = [];
  for (let t = period; t < y.length; t++) {
    const a = y[t] as number;
    const b = y[t - period] as number;
    if (!isMissing(a) && !isMissing(b)) errors.push(a - b);
  }
  return Float64Array.from(errors).sort();
}

/** The seasonal-naive model with `period` intervals per season (the training data needs at least one season). */
export function seasonalNaiveModel(period: number): Model {
  return function seasonalNaive(train: Float64Array, horizon: number): Prediction {
    if (train.length < period)
      throw new Error(`seasonal-naive needs ${period} observations, has ${train.length}`);
    const filled = fillMissing(train, period);
    const errors = seasonalErrors(train, period);
    const q = [0.025, 0.1, 0.9, 0.975].map((p) => quantileOfSorted(errors, p)) as [
      number,
      number,
      number,
      number,
    ];
    const prediction: Prediction = { point: [], lower80: [], upper80: [], lower95: [], upper95: [] };
    const start = filled.length - period;
    for (let h = 1; h <= horizon; h++) {
      const point = filled[start + ((h - 1) % period)] as number;
      const widen = Math.sqrt(Math.floor((h - 1) / period) + 1);
      prediction.point.push(point);
      prediction.lower95.push(point + q[0] * widen);
      prediction.lower80.push(point + q[1] * widen);
      prediction.upper80.push(point + q[2] * widen);
      prediction.upper95.push(point + q[3] * widen);
    }
    return prediction;
  };
}
