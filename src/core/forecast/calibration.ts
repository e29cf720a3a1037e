// A model's own intervals are only as honest as its assumptions. MSTL's come from AutoETS on
// the deseasonalised series: on simulated noise they leave out the seasonal components' error
// and cover less than they claim; on real demand they can be two or three times too wide
// (bench/forecast.ts). The backtest shows which. For each held-out actual,
// r = |actual − centre| / half-width of its interval; every interval of the forecast is
// scaled about its centre by the conformal quantile of r at its level (the ⌈(n + 1)·L⌉-th
// smallest of n ratios), so that share of the backtest's actuals would have fallen inside.

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

/** `prediction` with each interval's half-width multiplied about its centre. */
export function scaleIntervals(prediction: Prediction, by: IntervalScale): Prediction {
  const scaled = (lower: number[], upper: number[], k: number) =>
    lower.map((lo, i) => {
      const up = upper[i] as number;
      const centre = (lo + up) / 2;
      const half = ((up - lo) / 2) * k;
      return [centre - half, centre + half] as const;
    });
  const at80 = scaled(prediction.lower80, prediction.upper80, by.level80);
  const at95 = scaled(prediction.lower95, prediction.upper95, by.level95);
  return {
    point: prediction.point,
    lower80: at80.map(([lo]) => lo),
    upper80: at80.map(([, up]) => up),
    lower95: at95.map(([lo]) => lo),
    upper95: at95.map(([, up]) => up),
  };
}
