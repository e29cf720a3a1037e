import fc from 'fast-check';
import { expect, it } from 'vitest';
import { openCounts } from '../../../src/core/series/open-count.ts';

it('counts what opened or resolved at the very instant asked about', () => {
  expect(openCounts({ openBefore: 2, opened: [10, 20], resolved: [20, 30] }, [5, 10, 20, 30, 25])).toEqual([
    2, 3, 3, 2, 3,
  ]);
});

it('matches counting the violations one by one, in any order', () => {
  const violation = fc
    .record({ opened: fc.integer({ min: 0, max: 1000 }), lasts: fc.option(fc.integer({ min: 0, max: 500 })) })
    .map(({ opened, lasts }) => ({ opened, resolved: lasts === null ? null : opened + lasts }));
  fc.assert(
    fc.property(
      fc.array(violation, { maxLength: 60 }),
      fc.array(fc.integer({ min: 200, max: 1600 }), { maxLength: 40 }),
      (violations, times) => {
        const from = 200;
        const openBefore = violations.filter(
          (v) => v.opened < from && (v.resolved === null || v.resolved >= from),
        ).length;
        const opened = violations.filter((v) => v.opened >= from).map((v) => v.opened);
        const resolved = violations
          .filter((v) => v.resolved !== null && v.resolved >= from)
          .map((v) => v.resolved as number);
        const expected = times.map(
          (t) => violations.filter((v) => v.opened <= t && (v.resolved === null || v.resolved > t)).length,
        );
        expect(openCounts({ openBefore, opened, resolved }, times)).toEqual(expected);
      },
    ),
  );
});
