import { describe, expect, it } from 'vitest';
import { createForecastEngine, ForecastInputError } from '../../../src/core/forecast/index.ts';
import type { ForecastAnswer, ForecastRequest } from '../../../src/core/forecast/types.ts';
import { loadMstl } from '../../../src/platform/augurs.ts';
import { hourlyPattern, noisy, normal } from './simulate.ts';

const engine = createForecastEngine(loadMstl());

function forecastOf(answer: ForecastAnswer) {
  if (answer.kind !== 'forecast') throw new Error(`expected a forecast, got ${JSON.stringify(answer)}`);
  return answer;
}

const meanAbs = (xs: number[]) => xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;

describe('forecast engine', () => {
  it('recovers a daily and weekly pattern with a trend under noise, with MSTL', () => {
    const history = 6 * 168;
    const values = noisy(hourlyPattern, history, 3, 1);
    const answer = forecastOf(engine.forecast({ values, seasons: [24, 168], horizon: 168 }));
    expect(answer.model).toBe('mstl_ets');
    expect(answer.why).toMatch(/^mstl_ets beat seasonal-naive \(MASE \d\.\d\d vs \d\.\d\d\)$/);
    expect(answer.seasons).toEqual([24, 168]);
    expect(answer.points).toHaveLength(168);
    expect(answer.points[0]?.step).toBe(1);
    // The pattern swings ±40 around its level; the forecast misses the true pattern by less
    // than the noise's own sd, where seasonal-naive would miss by about √2 · 3 · 0.8 ≈ 3.4.
    const errors = answer.points.map((p) => p.value - hourlyPattern(history - 1 + p.step));
    expect(meanAbs(errors)).toBeLessThan(3);
    for (const p of answer.points) {
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.lower80).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(p.upper80);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
    }
    expect(answer.backtest).toMatchObject({ origins: 3, horizon: 168, chosen: 'mstl_ets' });
    expect(answer.backtest.model.mase!).toBeLessThan(answer.backtest.seasonal_naive.mase!);
  });

  it('gives the same answer to the same request', () => {
    const request: ForecastRequest = {
      values: noisy(hourlyPattern, 5 * 168, 3, 2),
      seasons: [24, 168],
      horizon: 24,
    };
    expect(engine.forecast(request)).toEqual(engine.forecast(request));
  });

  it('covers about 80 % and 95 % of what happens next on simulated series', () => {
    // 60 independent series (a daily cycle under noise, 10 days each) and the next day of each.
    // Per series the 24 hits are correlated; even if they were one coin each, the mean of 60
    // has a standard error of √(0.8 · 0.2 / 60) ≈ 0.05 at 80 % and 0.03 at 95 %. The bounds are
    // two of those wide: the series are seeded, so the test gives the same figures every run.
    const pattern = (t: number) => 50 + 10 * Math.sin((2 * Math.PI * t) / 24);
    let inside80 = 0;
    let inside95 = 0;
    let count = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const all = noisy(pattern, 240 + 24, 2, seed);
      const answer = forecastOf(engine.forecast({ values: all.slice(0, 240), seasons: [24], horizon: 24 }));
      answer.points.forEach((p, i) => {
        const actual = all[240 + i] as number;
        if (actual >= p.lower80 && actual <= p.upper80) inside80++;
        if (actual >= p.lower95 && actual <= p.upper95) inside95++;
        count++;
      });
    }
    expect(inside80 / count).toBeGreaterThan(0.7);
    expect(inside80 / count).toBeLessThan(0.9);
    expect(inside95 / count).toBeGreaterThan(0.89);
    expect(inside95 / count).toBeLessThanOrEqual(1);
  });

  it('handles missing intervals inside and at the end, and trims missing ones at the start', () => {
    const history = 5 * 168;
    const values: (number | null)[] = noisy(hourlyPattern, history, 3, 3);
    for (let i = 0; i < history; i += 17) values[i] = null; // scattered gaps
    for (let i = 400; i < 430; i++) values[i] = Number.NaN; // a gap longer than a day
    for (let i = history - 5; i < history; i++) values[i] = null; // the last five hours unknown
    const answer = forecastOf(engine.forecast({ values, seasons: [24, 168], horizon: 48 }));
    const errors = answer.points.map((p) => p.value - hourlyPattern(history - 1 + p.step));
    expect(meanAbs(errors)).toBeLessThan(6);
    expect(answer.points.every((p) => Object.values(p).every(Number.isFinite))).toBe(true);

    const padded = forecastOf(
      engine.forecast({ values: [null, Number.NaN, ...values], seasons: [24, 168], horizon: 48 }),
    );
    expect(padded.points).toEqual(answer.points);
  });

  it('answers insufficient, with what it has and needs, for a new series', () => {
    const answer = engine.forecast({
      values: noisy(hourlyPattern, 100, 3, 4),
      seasons: [24, 168],
      horizon: 24,
    });
    expect(answer).toEqual({
      kind: 'insufficient',
      have: 100,
      need: 120,
      reason: '100 observed values; the shortest season (24) needs 120: two cycles and a backtest of 3 × 24',
    });
    const missing = engine.forecast({ values: [null, null, 5], seasons: [24], horizon: 1 });
    expect(missing).toMatchObject({ kind: 'insufficient', have: 1, need: 120 });
    expect(engine.forecast({ values: [null, null], seasons: [24], horizon: 1 })).toMatchObject({ have: 0 });
  });

  it('drops a season longer than the history supports and says why', () => {
    const answer = forecastOf(
      engine.forecast({ values: noisy(hourlyPattern, 300, 3, 5), seasons: [24, 168], horizon: 24 }),
    );
    expect(answer.seasons).toEqual([24]);
    expect(answer.dropped).toEqual([
      {
        season: 168,
        reason: 'needs 408 observations (two cycles of 168 and a backtest of 3 × 24), have 300',
      },
    ]);
  });

  it('falls back to seasonal-naive when MSTL does not beat it, and says so', () => {
    // A seasonal random walk: each day is yesterday plus a shock, so yesterday is the best
    // forecast of today and any smoothing of the daily shape only adds error.
    const shock = normal(6);
    const values: number[] = Array.from({ length: 24 }, () => 100 + 20 * shock());
    for (let t = 24; t < 24 * 20; t++) values.push((values[t - 24] as number) + 5 * shock());
    const answer = forecastOf(engine.forecast({ values, seasons: [24], horizon: 24 }));
    expect(answer.model).toBe('seasonal_naive');
    expect(answer.backtest.chosen).toBe('seasonal_naive');
    expect(answer.why).toMatch(
      /^mstl_ets did not beat seasonal-naive \(MASE \d+\.\d\d vs \d+\.\d\d\); seasonal-naive forecasts$/,
    );
    expect(answer.points.map((p) => p.value)).toEqual(values.slice(-24));
  });

  it.each([
    ['a horizon of 0', { horizon: 0 }, /^horizon 0 must be a whole number ≥ 1$/],
    ['a fractional horizon', { horizon: 1.5 }, /^horizon 1\.5/],
    ['no season', { seasons: [] }, /^seasons must name at least one season/],
    ['a season of 1', { seasons: [1] }, /^season 1 must be a whole number of intervals ≥ 2$/],
    ['a fractional season', { seasons: [24, 2.5] }, /^season 2\.5/],
    ['no values', { values: [] }, /^values must be a non-empty array/],
    ['an infinite value', { values: [1, Number.POSITIVE_INFINITY] }, /^values\[1\] is Infinity/],
    ['a string value', { values: [1, '2'] }, /^values\[1\] is 2: each value must be a finite number/],
    ['zero backtest origins', { backtest: { origins: 0 } }, /^backtest\.origins 0/],
  ])('refuses %s with a ForecastInputError', (_label, change, message) => {
    const request = { values: [1, 2, 3], seasons: [2], horizon: 1, ...change } as ForecastRequest;
    expect(() => engine.forecast(request)).toThrow(ForecastInputError);
    expect(() => engine.forecast(request)).toThrow(message);
  });
});
