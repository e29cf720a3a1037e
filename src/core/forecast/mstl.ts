// MSTL (Bandara, Hyndman & Bergmeir 2021: STL applied once per season, shortest first) with an
// AutoETS model of the deseasonalised series, from Grafana's augurs compiled to WebAssembly.
// The seasonal components are carried forward as they were last estimated; the intervals
// are AutoETS's, around the sum. The module is handed in, already initialised, because
// loading its WebAssembly is I/O (platform/augurs.ts).

import { fillMissing } from './fill.ts';
import type { Model, Prediction } from './types.ts';

/** What the engine uses of an augurs MSTL model. */
export interface MstlFit {
  fit(y: Float64Array): void;
  predict(
    horizon: number,
    level?: number | null,
  ): { point: number[]; intervals?: { lower: number[]; upper: number[] } | undefined };
  free(): void;
}

/** The part of `@bsull/augurs/mstl` the engine needs: `loadMstl()`'s module satisfies it. */
export interface MstlModule {
  MSTL: { ets(periods: number[], options?: { impute?: boolean } | null): MstlFit };
}

function finite(values: readonly number[], what: string, horizon: number): number[] {
  if (values.length !== horizon || !values.every(Number.isFinite))
    throw new Error(`MSTL gave ${what} that are not ${horizon} finite numbers`);
  return [...values];
}

/** The MSTL+AutoETS model with `seasons` (ascending), over an initialised augurs module. */
export function mstlModel(mstl: MstlModule, seasons: readonly number[]): Model {
  return function mstlEts(train: Float64Array, horizon: number): Prediction {
    const model = mstl.MSTL.ets([...seasons]);
    try {
      model.fit(fillMissing(train, seasons[0] as number));
      const at80 = model.predict(horizon, 0.8);
      const at95 = model.predict(horizon, 0.95);
      if (at80.intervals === undefined || at95.intervals === undefined)
        throw new Error('MSTL gave no prediction intervals');
      return {
        point: finite(at80.point, 'points', horizon),
        lower80: finite(at80.intervals.lower, '80 % bounds', horizon),
        upper80: finite(at80.intervals.upper, '80 % bounds', horizon),
        lower95: finite(at95.intervals.lower, '95 % bounds', horizon),
        upper95: finite(at95.intervals.upper, '95 % bounds', horizon),
      };
    } finally {
      model.free();
    }
  };
}
