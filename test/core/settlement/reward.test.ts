import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFraction } from '../../../src/core/settlement/fraction.ts';
import { rewardOf, SCORE_SCALE, scorePpm } from '../../../src/core/settlement/reward.ts';

const base = {
  checks: 8640,
  downtimeIntervals: 0,
  latencyUs: 40_000,
  downtimeAllowance: parseFraction('1/30'),
  latencyAllowanceUs: 150_000,
};

describe('scorePpm (SKALE bounty reduction)', () => {
  it('is a full score within both allowances, including exactly at them', () => {
    expect(scorePpm(base)).toBe(SCORE_SCALE);
    expect(scorePpm({ ...base, downtimeIntervals: 288, latencyUs: 150_000 })).toBe(SCORE_SCALE);
    expect(scorePpm({ ...base, latencyUs: null })).toBe(SCORE_SCALE);
  });

  it('counts all downtime once it is over the allowance', () => {
    // 289 of 8640: ⌊10^6 · 8351 / 8640⌋
    expect(scorePpm({ ...base, downtimeIntervals: 289 })).toBe(966_550);
    expect(scorePpm({ ...base, downtimeIntervals: 8640 })).toBe(0);
    expect(scorePpm({ ...base, downtimeIntervals: 9000 })).toBe(0);
  });

  it('scales by allowance over latency above the allowance, after the downtime reduction', () => {
    expect(scorePpm({ ...base, latencyUs: 300_000 })).toBe(500_000);
    expect(scorePpm({ ...base, latencyUs: 450_000 })).toBe(333_333);
    // ⌊10^6 · 8240/8640 · 150000/300000⌋ in one division: 476,851.85…
    expect(scorePpm({ ...base, downtimeIntervals: 400, latencyUs: 300_000 })).toBe(476_851);
  });

  it('never leaves 0 … 1,000,000', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.nat({ max: 200_000 }),
        fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (checks, downtimeIntervals, latencyUs, latencyAllowanceUs) => {
          const s = scorePpm({ ...base, checks, downtimeIntervals, latencyUs, latencyAllowanceUs });
          expect(Number.isInteger(s) && s >= 0 && s <= SCORE_SCALE).toBe(true);
        },
      ),
    );
  });

  it('refuses zero checks', () => {
    expect(() => scorePpm({ ...base, checks: 0 })).toThrow(/checks must be ≥ 1/);
  });
});

describe('rewardOf', () => {
  it('floors the score’s part of an equal share', () => {
    expect(rewardOf(1_000_000n, 953_703, 5)).toBe(190_740n);
    expect(rewardOf(10n, SCORE_SCALE, 3)).toBe(3n);
    expect(rewardOf(10n ** 30n, SCORE_SCALE, 1)).toBe(10n ** 30n);
    expect(rewardOf(5n, SCORE_SCALE, 0)).toBe(0n);
  });
});
