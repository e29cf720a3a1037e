// A forecast request checked once, at the engine's door: anything it cannot answer as asked
// is a ForecastInputError with a one-line message, and everything past here may trust it.

import { DEFAULT_BACKTEST_ORIGINS } from './backtest.ts';
import { ForecastInputError } from './errors.ts';
import { firstObserved } from './fill.ts';
import type { ForecastRequest } from './types.ts';

export interface CheckedRequest {
  /** The values from the first observed one on, NaN for missing; may be empty (nothing observed). */
  y: Float64Array;
  /** Distinct seasons, ascending. */
  seasons: number[];
  horizon: number;
  origins: number;
  /** The backtest horizon the request asked for, if any. */
  backtestHorizon: number | undefined;
}

const isWhole = (n: unknown, min: number): n is number => Number.isInteger(n) && (n as number) >= min;

function checkValues(values: unknown): Float64Array {
  if (!Array.isArray(values) || values.length === 0)
    throw new ForecastInputError('values must be a non-empty array of numbers (null or NaN for missing)');
  const y = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) y[i] = Number.NaN;
    else if (typeof v === 'number' && Number.isFinite(v)) y[i] = v;
    else
      throw new ForecastInputError(
        `values[${i}] is ${String(v)}: each value must be a finite number, null or NaN`,
      );
  });
  const first = firstObserved(y);
  return first < 0 ? new Float64Array(0) : y.subarray(first);
}

function checkSeasons(seasons: unknown): number[] {
  if (!Array.isArray(seasons) || seasons.length === 0)
    throw new ForecastInputError('seasons must name at least one season, e.g. [24, 168] for hourly data');
  for (const s of seasons)
    if (!isWhole(s, 2))
      throw new ForecastInputError(`season ${String(s)} must be a whole number of intervals ≥ 2`);
  return [...new Set(seasons as number[])].sort((a, b) => a - b);
}

/** The request as the engine uses it, or a ForecastInputError saying what is wrong with it. */
export function checkRequest(request: ForecastRequest): CheckedRequest {
  if (!isWhole(request.horizon, 1))
    throw new ForecastInputError(`horizon ${String(request.horizon)} must be a whole number ≥ 1`);
  const seasons = checkSeasons(request.seasons);
  const y = checkValues(request.values);
  const { origins, horizon: backtestHorizon } = request.backtest ?? {};
  if (origins !== undefined && !isWhole(origins, 1))
    throw new ForecastInputError(`backtest.origins ${String(origins)} must be a whole number ≥ 1`);
  if (backtestHorizon !== undefined && !isWhole(backtestHorizon, 1))
    throw new ForecastInputError(`backtest.horizon ${String(backtestHorizon)} must be a whole number ≥ 1`);
  return {
    y,
    seasons,
    horizon: request.horizon,
    origins: origins ?? DEFAULT_BACKTEST_ORIGINS,
    backtestHorizon,
  };
}
