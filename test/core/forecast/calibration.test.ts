import { describe, expect, it } from 'vitest';
import { addRatios, intervalScaleFrom, scaleIntervals } from '../../../src/core/forecast/calibration.ts';

describe('interval calibration from the backtest', () => {
  it('scales by the conformal quantile of error-to-half-width ratios', () => {
    // nine actuals 1..9 away from a centre of 0, intervals ±10 at 80 % and ±20 at 95 %
    const actual = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ratios = { level80: [] as number[], level95: [] as number[] };
    addRatios(ratios, [...actual, Number.NaN], {
      point: Array(10).fill(0),
      lower80: Array(10).fill(-10),
      upper80: Array(10).fill(10),
      lower95: Array(10).fill(-20),
      upper95: Array(10).fill(20),
    });
    expect(ratios.level80).toEqual(actual.map((a) => a / 10));
    // the ⌈10 · 0.8⌉ = 8th smallest of nine; ⌈10 · 0.95⌉ = 10 is past the end, so the largest
    const scale = intervalScaleFrom(ratios);
    expect(scale.level80).toBeCloseTo(0.8, 12);
    expect(scale.level95).toBeCloseTo(9 / 20, 12);
    expect(intervalScaleFrom({ level80: [], level95: [] })).toEqual({ level80: 1, level95: 1 });
  });

  it('scales each interval about its centre, leaving the point', () => {
    const scaled = scaleIntervals(
      { point: [5], lower80: [2], upper80: [6], lower95: [0], upper95: [10] },
      { level80: 2, level95: 0.5 },
    );
    // the 95 % interval, scaled to ±2.5, would sit inside the 80 % one (±4): it is kept as wide
    expect(scaled).toEqual({ point: [5], lower80: [0], upper80: [8], lower95: [0], upper95: [8] });
    const apart = scaleIntervals(
      { point: [5], lower80: [4], upper80: [6], lower95: [0], upper95: [10] },
      { level80: 2, level95: 0.8 },
    );
    expect(apart).toEqual({ point: [5], lower80: [3], upper80: [7], lower95: [1], upper95: [9] });
  });
});
