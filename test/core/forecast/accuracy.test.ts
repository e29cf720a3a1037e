import { describe, expect, it } from 'vitest';
import { accuracy, seasonalNaiveScale } from '../../../src/core/forecast/accuracy.ts';
import { fillMissing } from '../../../src/core/forecast/fill.ts';
import { quantileOfSorted, seasonalNaiveModel } from '../../../src/core/forecast/seasonal-naive.ts';
import type { Prediction } from '../../../src/core/forecast/types.ts';

const flat = (point: number[], half80: number, half95: number): Prediction => ({
  point,
  lower80: point.map((p) => p - half80),
  upper80: point.map((p) => p + half80),
  lower95: point.map((p) => p - half95),
  upper95: point.map((p) => p + half95),
});

describe('accuracy figures on hand-computed examples', () => {
  it('scales MASE by the in-sample seasonal-naive error', () => {
    // period 2: |3−1| = 2, |4−2| = 2, |9−3| = 6 → mean 10/3
    expect(seasonalNaiveScale([1, 2, 3, 4, 9], 2)).toBeCloseTo(10 / 3, 12);
    // a missing value drops the pairs it is in: only |4−2| = 2 is left
    expect(seasonalNaiveScale([1, 2, Number.NaN, 4, 9], 2)).toBe(2);
    expect(seasonalNaiveScale([5, 5, 5, 5], 2)).toBeNull();
    expect(seasonalNaiveScale([1], 2)).toBeNull();
  });

  it('computes MASE, sMAPE and coverage of one window', () => {
    const actual = [10, 20, 30, 40];
    const got = accuracy(actual, flat([12, 20, 27, 50], 2.5, 5), 2);
    // errors 2, 0, 3, 10 → MAE 15/4, MASE 15/8
    expect(got.mase).toBeCloseTo(15 / 8, 12);
    // sMAPE terms 200·|a−f|/(|a|+|f|): 400/22, 0, 600/57, 2000/90
    expect(got.smape).toBeCloseTo((400 / 22 + 0 + 600 / 57 + 2000 / 90) / 4, 12);
    // inside ±2.5: errors 2 and 0; inside ±5: 2, 0 and 3
    expect(got.coverage80).toBe(0.5);
    expect(got.coverage95).toBe(0.75);
  });

  it('skips missing actuals and says null for what nothing defines', () => {
    const got = accuracy([Number.NaN, 4], flat([1, 4], 1, 2), null);
    expect(got).toEqual({ mase: null, smape: 0, coverage80: 1, coverage95: 1 });
    expect(accuracy([Number.NaN], flat([1], 1, 1), 1)).toEqual({
      mase: null,
      smape: null,
      coverage80: null,
      coverage95: null,
    });
    // zero forecast of a zero actual is a zero sMAPE term, not 0/0
    expect(accuracy([0, 0], flat([0, 0], 1, 1), 1).smape).toBe(0);
  });
});

describe('seasonal-naive', () => {
  it('repeats the last season and widens its intervals by √(k + 1) per whole season ahead', () => {
    // period 3; seasonal errors y[t] − y[t−3]: 1, 1, 1, −1, 3, 1, so sizes 1, 1, 1, 1, 1, 3
    const y = Float64Array.from([1, 2, 3, 2, 3, 4, 1, 6, 5]);
    const p = seasonalNaiveModel(3)(y, 7);
    expect(p.point).toEqual([1, 6, 5, 1, 6, 5, 1]);
    const sorted = [1, 1, 1, 1, 1, 3];
    const half80 = quantileOfSorted(sorted, 0.8);
    const half95 = quantileOfSorted(sorted, 0.95);
    expect(half80).toBeCloseTo(1, 12); // at 5 · 0.8 = 4: the fifth, 1
    expect(half95).toBeCloseTo(2.5, 12); // at 4.75: 1 + 0.75 · (3 − 1)
    expect(p.lower80[0]).toBeCloseTo(1 - half80, 12);
    expect(p.upper95[2]).toBeCloseTo(5 + half95, 12);
    expect(p.upper80[3]).toBeCloseTo(1 + half80 * Math.SQRT2, 12);
    expect(p.lower95[6]).toBeCloseTo(1 - half95 * Math.sqrt(3), 12);
  });

  it('fills interior gaps linearly and a trailing gap from one season back', () => {
    const filled = fillMissing(Float64Array.from([1, Number.NaN, Number.NaN, 4, 7, 8, Number.NaN]), 3);
    expect([...filled]).toEqual([1, 2, 3, 4, 7, 8, 4]);
  });
});
