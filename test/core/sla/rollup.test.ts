import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { completionBuckets, rollupBucketMs, rollupGrain } from '../../../src/core/sla/rollup.ts';
import { floorTo } from '../../../src/core/time.ts';

describe('outcome rollup grains', () => {
  it('uses hourly and daily buckets for the default 7-day window, and whole seconds for short ones', () => {
    expect(rollupGrain(7 * 86_400)).toEqual({ fineMs: 3_600_000, coarseMs: 86_400_000 });
    expect(rollupBucketMs(180)).toBe(1_000);
    expect(rollupBucketMs(30 * 86_400)).toBe(3_600_000);
  });

  it('counts every outcome from the window start on exactly once, reading fine edge and coarse body', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 30 * 86_400 }),
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 40 * 86_400_000 }), { maxLength: 60 }),
        (windowS, now, ages) => {
          const grain = rollupGrain(windowS);
          const from = now - windowS * 1000;
          const { fineFrom, coarseFrom } = completionBuckets(from, grain);
          expect(coarseFrom).toBeGreaterThanOrEqual(fineFrom);
          expect(coarseFrom - fineFrom).toBeLessThan(grain.coarseMs);
          // What a collection sums: fine buckets in [fineFrom, coarseFrom), coarse from coarseFrom.
          let counted = 0;
          let expected = 0;
          for (const age of ages) {
            const at = now - age;
            const fine = floorTo(at, grain.fineMs);
            const coarse = floorTo(at, grain.coarseMs);
            if (fine >= fineFrom && fine < coarseFrom) counted++;
            if (coarse >= coarseFrom) counted++;
            if (at >= fineFrom) expected++;
          }
          expect(counted).toBe(expected);
          // The window read is never more than one fine bucket longer than configured.
          expect(from - fineFrom).toBeLessThan(grain.fineMs);
        },
      ),
    );
  });
});
