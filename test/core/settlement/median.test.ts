import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { medianOf } from '../../../src/core/settlement/median.ts';

// -0 is left out: it equals 0, and which of the two a stable sort returns depends on input
// order. Settlement never sees -0 (its inputs are canonical JSON numbers, which have no -0).
const value = fc.double({ min: -1e12, max: 1e12, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v));

describe('medianOf (lower median)', () => {
  it('is the middle value, or the lower of the two middle values', () => {
    expect(medianOf([5])).toBe(5);
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2);
    expect(medianOf([10, 10, 0, 8640])).toBe(10);
  });

  it('stays within the honest range when fewer than half the values are lies', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 40 }),
        fc.array(fc.oneof(value, fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 0)), { maxLength: 40 }),
        fc.nat(),
        (honest, allLies, seed) => {
          const lies = allLies.slice(0, honest.length - 1); // strictly fewer lies than honest values
          const all = [...honest, ...lies];
          // Any order: rotate by the seed.
          const k = seed % all.length;
          const m = medianOf([...all.slice(k), ...all.slice(0, k)]);
          expect(m).toBeGreaterThanOrEqual(Math.min(...honest));
          expect(m).toBeLessThanOrEqual(Math.max(...honest));
        },
      ),
    );
  });

  it('can be moved outside the honest range by half the values lying: the bound is tight', () => {
    expect(medianOf([10, 10, 0, 0])).toBe(0);
    expect(medianOf([10, 10, 99, 99, 99])).toBe(99);
  });

  it('is always one of its inputs and ignores their order', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 30 }), (values) => {
        expect(values).toContain(medianOf(values));
        expect(medianOf([...values].reverse())).toBe(medianOf(values));
      }),
    );
  });

  it('refuses no values and non-finite values', () => {
    expect(() => medianOf([])).toThrow(/no values/);
    expect(() => medianOf([1, Number.NaN])).toThrow(/non-finite/);
  });
});
