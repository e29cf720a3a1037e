import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createForecastEngine } from '../../../src/core/forecast/index.ts';
import type { ForecastRequest } from '../../../src/core/forecast/types.ts';
import { loadMstl } from '../../../src/platform/augurs.ts';

// Properties over arbitrary valid requests, short enough that MSTL fits in milliseconds:
// a valid request never throws, and every answer keeps its promises.

const engine = createForecastEngine(loadMstl());

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
/** Values in runs: some constant stretches, some noise, some gaps, as real series have. */
const values = fc
  .array(fc.tuple(value, fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 30 })
  .map((runs) => runs.flatMap(([v, n]) => Array(n).fill(v) as (number | null)[]))
  .chain((base) =>
    fc
      .array(fc.double({ min: -50, max: 50, noNaN: true }), {
        minLength: base.length,
        maxLength: base.length,
      })
      .map((noise) =>
        base.map((v, i) => (v === null || Number.isNaN(v) || i % 3 === 0 ? v : v + (noise[i] as number))),
      ),
  );
const request: fc.Arbitrary<ForecastRequest> = fc.record({
  values,
  seasons: fc.uniqueArray(fc.integer({ min: 2, max: 12 }), { minLength: 1, maxLength: 3 }),
  horizon: fc.integer({ min: 1, max: 30 }),
});

describe('forecast engine properties', () => {
  it('answers every valid request with a forecast it can stand by, or says what it needs', () => {
    fc.assert(
      fc.property(request, (req) => {
        const answer = engine.forecast(req);
        if (answer.kind === 'insufficient') {
          expect(answer.have).toBeLessThan(answer.need);
          return;
        }
        expect(answer.points).toHaveLength(req.horizon);
        expect([...answer.seasons, ...answer.dropped.map((d) => d.season)].sort((a, b) => a - b)).toEqual(
          [...new Set(req.seasons)].sort((a, b) => a - b),
        );
        answer.points.forEach((p, i) => {
          expect(p.step).toBe(i + 1);
          for (const x of Object.values(p)) expect(Number.isFinite(x)).toBe(true);
          const slack = 1e-9 * (1 + Math.abs(p.value));
          expect(p.lower95).toBeLessThanOrEqual(p.lower80 + slack);
          expect(p.lower80).toBeLessThanOrEqual(p.value + slack);
          expect(p.value).toBeLessThanOrEqual(p.upper80 + slack);
          expect(p.upper80).toBeLessThanOrEqual(p.upper95 + slack);
        });
      }),
      { numRuns: 150, seed: 16 },
    );
  });
});
