// A model's own intervals are only as honest as its assumptions. MSTL's come from AutoETS on
// the deseasonalised series: on simulated noise they leave out the seasonal components' error
// and cover less than they claim; on real demand they can be two or three times too wide
// (bench/forecast.ts). The backtest shows which. For each held-out actual,
// r = |actual − centre| / half-width of its interval; every interval of the forecast is
// scaled about its centre by the conformal quantile of r at its level (the ⌈(n + 1)·L⌉-th
// smallest of n ratios), so that share of the backtest's actuals would have fallen inside.
// The 95 % interval is kept at least as wide as the 80 % one, which separate scales could
// otherwise invert.

import { isMissing } from './fill.ts';
import { quantileOfSorted } from './seasonal-naive.ts';
import type { Prediction } from './types.ts';

/** What each level's half-widths are multiplied by; 1 = as the model gave them. */
export interface IntervalScale {
  level80: number;
  level95: number;
}

export const UNSCALED: IntervalScale = { level80: 1, level95: 1 };

/** The ratios of held-out errors to interval half-widths that a backtest collects. */
export interface MissRatios {
  level80: number[];
  level95: number[];
}

function ratio(actual: number, lower: number, upper: number): number | null {
  const half = (upper - lower) / 2;
  return half > 0 ? Math.abs(actual - (lower + half)) / half : null;
}

/** Adds one held-out window's ratios (missing actuals and zero-width intervals are skipped). */
export function addRatios(ratios: MissRatios, actual: ArrayLike<number>, prediction: Prediction): void {
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    if (isMissing(a)) continue;
    const r80 = ratio(a, prediction.lower80[i] as number, prediction.upper80[i] as number);
    const r95 = ratio(a, prediction.lower95[i] as number, prediction.upper95[i] as number);
    if (r80 !== null) ratios.level80.push(r80);
    if (r95 !== null) ratios.level95.push(r95);
  }
}

function conformalQuantile(ratios: readonly number[], level: number): number {
  if (ratios.length === 0) return 1;
  const sorted = Float64Array.from(ratios).sort();
  const n = sorted.length;
  // The ⌈(n + 1)·L⌉-th smallest (1-based), or the largest when that is past the end.
  return quantileOfSorted(sorted, Math.min(1, (Math.ceil((n + 1) * level) - 1) / (n - 1 || 1)));
}

/** The scale that would have put each level's share of the backtest's actuals inside. */
export function intervalScaleFrom(ratios: MissRatios): IntervalScale {
  return {
    level80: conformalQuantile(ratios.level80, 0.8),
    level95: conformalQuantile(ratios.level95, 0.95),
  };
}

/** `prediction` with each interval's half-width multiplied about its centre, the 95 % one holding the 80 % one. */
export function scaleIntervals(prediction: Prediction, by: IntervalScale): Prediction {
  const scaled: Prediction = { point: prediction.point, lower80: [], upper80: [], lower95: [], upper95: [] };
  prediction.point.forEach((_, i) => {
    const [lo80, up80, lo95, up95] = [
      prediction.lower80[i],
      prediction.upper80[i],
      prediction.lower95[i],
      prediction.upper95[i],
    ] as [number, number, number, number];
    const centre80 = (lo80 + up80) / 2;
    const half80 = ((up80 - lo80) / 2) * by.level80;
    const centre95 = (lo95 + up95) / 2;
    const half95 = ((up95 - lo95) / 2) * by.level95;
    scaled.lower80.push(centre80 - half80);
    scaled.upper80.push(centre80 + half80);
    scaled.lower95.push(Math.min(centre95 - half95, centre80 - half80));
    scaled.upper95.push(Math.max(centre95 + half95, centre80 + half80));
  });
  return scaled;
}
