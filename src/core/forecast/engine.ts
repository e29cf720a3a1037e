// The forecast engine (decision 0080, docs/forecasting.md): MSTL+AutoETS and seasonal-naive
// are both backtested on the series itself, and the forecast is the one that did better, so
// a fitted model never answers worse than repeating the last season did. With too little history it
// says how much more it needs instead of guessing.

import { type BacktestResult, backtest } from './backtest.ts';
import { scaleIntervals, UNSCALED } from './calibration.ts';
import { countObserved } from './fill.ts';
import { type MstlModule, mstlModel } from './mstl.ts';
import { checkRequest } from './request.ts';
import { seasonalNaiveModel } from './seasonal-naive.ts';
import { backtestHorizonFor, planSeasons } from './seasons.ts';
import type {
  Accuracy,
  ForecastAnswer,
  ForecastEngine,
  ForecastRequest,
  ModelName,
  Prediction,
} from './types.ts';

const fixed = (n: number, digits: number) => n.toFixed(digits);

/** Which model forecasts, and why, from the two backtests (ties go to the simpler seasonal-naive). */
export function chooseModel(mstl: BacktestResult, naive: Accuracy): { model: ModelName; why: string } {
  if (!mstl.ok)
    return {
      model: 'seasonal_naive',
      why: `mstl_ets failed in the backtest (${mstl.error}); seasonal-naive forecasts`,
    };
  const m = mstl.accuracy;
  const compare = (name: string, a: number, b: number, digits: number) =>
    a < b
      ? {
          model: 'mstl_ets' as const,
          why: `mstl_ets beat seasonal-naive (${name} ${fixed(a, digits)} vs ${fixed(b, digits)})`,
        }
      : {
          model: 'seasonal_naive' as const,
          why: `mstl_ets did not beat seasonal-naive (${name} ${fixed(a, digits)} vs ${fixed(b, digits)}); seasonal-naive forecasts`,
        };
  if (m.mase !== null && naive.mase !== null) return compare('MASE', m.mase, naive.mase, 2);
  // MASE is undefined when the history repeats its season exactly; sMAPE still compares.
  if (m.smape !== null && naive.smape !== null) return compare('sMAPE', m.smape, naive.smape, 1);
  return {
    model: 'seasonal_naive',
    why: 'no held-out observation to compare the models on; seasonal-naive forecasts',
  };
}

function pointsOf(prediction: Prediction) {
  return prediction.point.map((value, i) => ({
    step: i + 1,
    value,
    lower80: prediction.lower80[i] as number,
    upper80: prediction.upper80[i] as number,
    lower95: prediction.lower95[i] as number,
    upper95: prediction.upper95[i] as number,
  }));
}

/**
 * The answer for a history too short for any season, or null when there is enough to fit:
 * cheap (no model), so a caller may ask before handing the request to a thread.
 */
export function insufficientAnswer(request: ForecastRequest): ForecastAnswer | null {
  return planned(request).short;
}

/** The request checked, its seasons planned, and the insufficient answer when none is usable. */
function planned(request: ForecastRequest) {
  const checked = checkRequest(request);
  const { y, seasons, horizon, origins, backtestHorizon } = checked;
  const have = countObserved(y);
  const plan = planSeasons(seasons, have, horizon, origins, backtestHorizon);
  if (plan.kept.length > 0) return { checked, plan, short: null };
  const shortest = seasons[0] as number;
  const held = backtestHorizonFor(shortest, { horizon, origins, shortest, asked: backtestHorizon });
  const short: ForecastAnswer = {
    kind: 'insufficient',
    have,
    need: plan.need,
    reason: `${have} observed value${have === 1 ? '' : 's'}; the shortest season (${shortest}) needs ${plan.need}: two cycles and a backtest of ${origins} × ${held}`,
  };
  return { checked, plan, short };
}

function answer(mstl: MstlModule, request: ForecastRequest): ForecastAnswer {
  const { checked, plan, short } = planned(request);
  if (short !== null) return short;
  const { y, seasons, horizon, origins, backtestHorizon } = checked;
  const longest = plan.kept.at(-1) as number;
  const ask = { horizon, origins, shortest: seasons[0] as number, asked: backtestHorizon };
  const btPlan = { origins, horizon: backtestHorizonFor(longest, ask), scalePeriod: longest };
  const naive = seasonalNaiveModel(longest);
  const fitted = mstlModel(mstl, plan.kept);
  const naiveResult = backtest(y, naive, btPlan);
  // Seasonal-naive cannot fail on a history of two cycles; if it did, the engine is wrong.
  if (!naiveResult.ok) throw new Error(`seasonal-naive failed in the backtest: ${naiveResult.error}`);
  const mstlResult = backtest(y, fitted, btPlan);
  let { model, why } = chooseModel(mstlResult, naiveResult.accuracy);
  let prediction: Prediction;
  try {
    prediction = model === 'mstl_ets' ? fitted(y, horizon) : naive(y, horizon);
  } catch (error) {
    model = 'seasonal_naive';
    why = `mstl_ets failed on the whole history (${error instanceof Error ? error.message : String(error)}); seasonal-naive forecasts`;
    prediction = naive(y, horizon);
  }
  const chosen = model === 'mstl_ets' && mstlResult.ok ? mstlResult : naiveResult;
  const intervalScale = chosen.ok ? chosen.intervalScale : UNSCALED;
  const unavailable: Accuracy = { mase: null, smape: null, coverage80: null, coverage95: null };
  return {
    kind: 'forecast',
    model,
    seasons: plan.kept,
    dropped: plan.dropped,
    why,
    points: pointsOf(scaleIntervals(prediction, intervalScale)),
    backtest: {
      origins: btPlan.origins,
      horizon: btPlan.horizon,
      model: mstlResult.ok ? mstlResult.accuracy : unavailable,
      seasonal_naive: naiveResult.accuracy,
      chosen: model,
      interval_scale: intervalScale,
    },
  };
}

/** The forecast engine over an initialised augurs MSTL module (`createForecastEngine(loadMstl())`). */
export function createForecastEngine(mstl: MstlModule): ForecastEngine {
  return {
    forecast: function forecast(request: ForecastRequest): ForecastAnswer {
      return answer(mstl, request);
    },
  };
}
