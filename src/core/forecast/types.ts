// The forecast engine's contract with its callers (capacity service, capacity alerts, the
// autoscaler's forecast policy, `vigil forecast`), as agreed in issue 16. Fields may be
// added; none may be renamed or removed. How the engine answers: docs/forecasting.md.

/** Prediction interval levels every forecast carries. */
export type Level = 0.8 | 0.95;

export interface ForecastRequest {
  /** Evenly spaced observations, oldest first; null (or NaN) = missing interval. */
  values: readonly (number | null)[];
  /** Seasonal periods in intervals, e.g. [24, 168] for hourly data (daily, weekly). */
  seasons: readonly number[];
  /** How many intervals ahead. */
  horizon: number;
  /**
   * Rolling-origin backtest; by default 3 origins and a horizon of min(horizon, longest usable
   * season) (`DEFAULT_BACKTEST_ORIGINS`, backtest.ts).
   */
  backtest?: { origins?: number; horizon?: number };
}

export interface Accuracy {
  /** Mean absolute scaled error against the in-sample seasonal-naive error; null when undefined. */
  mase: number | null;
  /** Symmetric MAPE in percent (0–200); null when undefined. */
  smape: number | null;
  /** Share (0–1) of held-out actuals inside the 80 % / 95 % interval. */
  coverage80: number | null;
  coverage95: number | null;
}

export interface ForecastPoint {
  /** Index ahead, 1-based: point i is the interval `values.length - 1 + i`. */
  step: number;
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export type ModelName = 'mstl_ets' | 'seasonal_naive';

export type ForecastAnswer =
  | {
      kind: 'insufficient';
      /** Non-missing observations there are, and how many are needed for any forecast. */
      have: number;
      need: number;
      reason: string;
    }
  | {
      kind: 'forecast';
      model: ModelName;
      /** The seasons actually used (a season longer than the history allows is dropped). */
      seasons: number[];
      /** Seasons asked for but dropped, each with why (e.g. "needs 336 observations, have 200"). */
      dropped: { season: number; reason: string }[];
      /** Why this model: e.g. "mstl_ets beat seasonal-naive (MASE 0.61 vs 0.94)" or the fallback's reason. */
      why: string;
      points: ForecastPoint[];
      backtest: {
        origins: number;
        horizon: number;
        model: Accuracy;
        seasonal_naive: Accuracy;
        chosen: ModelName;
        /**
         * What the chosen model's interval half-widths were multiplied by, about their centres,
         * so that its backtest's actuals would have fallen inside at the nominal rate
         * (1 = as the model gave them). The coverages above are the model's own, before this.
         */
        interval_scale: { level80: number; level95: number };
      };
    };

/**
 * Synchronous: the MSTL engine's WebAssembly is initialised once by the caller
 * (`loadMstl()` in platform/augurs.ts reads the .wasm file; I/O is not core's) and handed to
 * `createForecastEngine`.
 */
export interface ForecastEngine {
  /** Fits and predicts; never throws for a valid request (invalid requests throw ForecastInputError). */
  forecast(request: ForecastRequest): ForecastAnswer;
}

/**
 * A model's forecast `horizon` steps past the end of its training data: points and the
 * 80 % and 95 % intervals, each an array of `horizon` numbers.
 */
export interface Prediction {
  point: number[];
  lower80: number[];
  upper80: number[];
  lower95: number[];
  upper95: number[];
}

/**
 * A forecasting model as the backtest sees it: given a training series (NaN = missing, no
 * leading NaN) it predicts `horizon` steps past its end, or throws when it cannot.
 */
export type Model = (train: Float64Array, horizon: number) => Prediction;
