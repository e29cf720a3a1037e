// Forecast accuracy as Hyndman & Athanasopoulos define it (Forecasting: Principles and
// Practice, 3rd ed., §5.8 and §5.9). Missing actuals (NaN) are skipped, never counted as zero.

import { isMissing } from './fill.ts';
import type { Accuracy, Prediction } from './types.ts';

/**
 * The in-sample mean absolute error of the seasonal-naive forecast with `period`
 * (mean of |y[t] − y[t − period]| over pairs where both are observed): MASE's scale.
 * Null when no pair is observed or the error is zero (a series that repeats exactly).
 */
export function seasonalNaiveScale(y: ArrayLike<number>, period: number): number | null {
  let sum = 0;
  let n = 0;
  for (let t = period; t < y.length; t++) {
    const a = y[t] as number;
    const b = y[t - period] as number;
    if (isMissing(a) || isMissing(b)) continue;
    sum += Math.abs(a - b);
    n++;
  }
  return n === 0 || sum === 0 ? null : sum / n;
}

/** The running sums one or more held-out windows add to; `accuracyOf` turns them into figures. */
export interface AccuracySums {
  /** Absolute errors divided by their window's scale, and how many had a scale. */
  scaledError: number;
  scaled: number;
  /** The sum of sMAPE's terms, one per observed actual. */
  smapeTerms: number;
  inside80: number;
  inside95: number;
  /** Observed actuals compared. */
  observed: number;
}

export const emptySums = (): AccuracySums => ({
  scaledError: 0,
  scaled: 0,
  smapeTerms: 0,
  inside80: 0,
  inside95: 0,
  observed: 0,
});

/**
 * Adds one held-out window: `actual[i]` against `prediction`'s step i, with `scale` (the
 * training window's seasonal-naive MAE, or null when it has none) dividing absolute errors.
 */
export function addWindow(
  sums: AccuracySums,
  actual: ArrayLike<number>,
  prediction: Prediction,
  scale: number | null,
): AccuracySums {
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const f = prediction.point[i] as number;
    if (isMissing(a)) continue;
    sums.observed++;
    const error = Math.abs(a - f);
    if (scale !== null) {
      sums.scaledError += error / scale;
      sums.scaled++;
    }
    const denominator = Math.abs(a) + Math.abs(f);
    // Both zero is a perfect forecast of nothing: a zero term, not 0/0.
    sums.smapeTerms += denominator === 0 ? 0 : (200 * error) / denominator;
    if (a >= (prediction.lower80[i] as number) && a <= (prediction.upper80[i] as number)) sums.inside80++;
    if (a >= (prediction.lower95[i] as number) && a <= (prediction.upper95[i] as number)) sums.inside95++;
  }
  return sums;
}

/** The figures of the windows summed so far; each is null when nothing defined it. */
export function accuracyOf(sums: AccuracySums): Accuracy {
  return {
    mase: sums.scaled === 0 ? null : sums.scaledError / sums.scaled,
    smape: sums.observed === 0 ? null : sums.smapeTerms / sums.observed,
    coverage80: sums.observed === 0 ? null : sums.inside80 / sums.observed,
    coverage95: sums.observed === 0 ? null : sums.inside95 / sums.observed,
  };
}

/** Accuracy of one forecast against one held-out window. */
export function accuracy(actual: ArrayLike<number>, prediction: Prediction, scale: number | null): Accuracy {
  return accuracyOf(addWindow(emptySums(), actual, prediction, scale));
}
