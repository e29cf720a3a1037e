// A model's own intervals are only as honest as its assumptions: MSTL's come from AutoETS on
// the deseasonalised series and leave out the error of the seasonal components, so on
// noisy data they cover less than they claim. The backtest shows by how much. For each
// held-out actual, r = |actual − centre| / half-width of its interval; the interval is
// widened about its centre by the conformal quantile of r at the nominal level (the
// ⌈(n + 1)·L⌉-th smallest of n), and never narrowed: a factor of 1 keeps the model's own.

import { isMissing } from './fill.ts';
import { quantileOfSorted } from './seasonal-naive.ts';
import type { Prediction } from './types.ts';

/** How much each level's intervals are widened; 1 = as the model gave them. */
export interface Widening {
  level80: number;
  level95: number;
}

export const NO_WIDENING: Widening = { level80: 1, level95: 1 };

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

function factor(ratios: readonly number[], level: number): number {
  if (ratios.length === 0) return 1;
  const sorted = Float64Array.from(ratios).sort();
  const n = sorted.length;
  return Math.max(1, quantileOfSorted(sorted, Math.min(1, (Math.ceil((n + 1) * level) - 1) / (n - 1 || 1))));
}

/** The widening that would have put each level's share of the backtest's actuals inside. */
export function wideningFrom(ratios: MissRatios): Widening {
  return { level80: factor(ratios.level80, 0.8), level95: factor(ratios.level95, 0.95) };
}

/** `prediction` with each interval widened about its centre. */
export function widen(prediction: Prediction, by: Widening): Prediction {
  const scale = (lower: number[], upper: number[], k: number) =>
    lower.map((lo, i) => {
      const up = upper[i] as number;
      const centre = (lo + up) / 2;
      const half = ((up - lo) / 2) * k;
      return [centre - half, centre + half] as const;
    });
  const w80 = scale(prediction.lower80, prediction.upper80, by.level80);
  const w95 = scale(prediction.lower95, prediction.upper95, by.level95);
  return {
    point: prediction.point,
    lower80: w80.map(([lo]) => lo),
    upper80: w80.map(([, up]) => up),
    lower95: w95.map(([lo]) => lo),
    upper95: w95.map(([, up]) => up),
  };
}
