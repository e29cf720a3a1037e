// Rolling-origin evaluation (FPP3 §5.10, "time series cross-validation") of any model on the
// series it will forecast. The origins are the last `origins` windows of `horizon` intervals,
// back to back, so the held-out windows are the most recent data and never overlap. With
// the engine's defaults (3 origins, each min(longest season, max(horizon, shortest season))
// ahead, seasons.ts) an hourly series with a weekly season is judged on its last three weeks
// at most, and costs three fits besides the final one.

import { accuracyOf, addWindow, emptySums, seasonalNaiveScale } from './accuracy.ts';
import { addRatios, type IntervalScale, intervalScaleFrom, type MissRatios } from './calibration.ts';
import type { Accuracy, Model } from './types.ts';

/** Origins when the request names none. */
export const DEFAULT_BACKTEST_ORIGINS = 3;

export interface BacktestPlan {
  origins: number;
  /** Intervals held out after each origin. */
  horizon: number;
  /** The season of the seasonal-naive forecast whose in-sample error scales MASE. */
  scalePeriod: number;
}

/** The training lengths of the plan's origins, oldest first. */
export function originsOf(length: number, plan: BacktestPlan): number[] {
  return Array.from({ length: plan.origins }, (_, i) => length - plan.horizon * (plan.origins - i));
}

export type BacktestResult =
  | {
      ok: true;
      accuracy: Accuracy /** What would have made its intervals honest (calibration.ts). */;
      intervalScale: IntervalScale;
    }
  | { ok: false; error: string };

/**
 * Fits `model` at every origin of `plan` over `y` (NaN = missing) and scores its forecasts
 * against what followed; `ok: false` with the model's message when any fit fails.
 */
export function backtest(y: Float64Array, model: Model, plan: BacktestPlan): BacktestResult {
  const sums = emptySums();
  const ratios: MissRatios = { level80: [], level95: [] };
  for (const origin of originsOf(y.length, plan)) {
    const train = y.subarray(0, origin);
    const actual = y.subarray(origin, origin + plan.horizon);
    let prediction: ReturnType<Model>;
    try {
      prediction = model(train, plan.horizon);
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    addWindow(sums, actual, prediction, seasonalNaiveScale(train, plan.scalePeriod));
    addRatios(ratios, actual, prediction);
  }
  return { ok: true, accuracy: accuracyOf(sums), intervalScale: intervalScaleFrom(ratios) };
}
