import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bitMask,
  firstRowStart,
  popcount32,
  SLICES_PER_ROW,
  sliceAddress,
  windowMask,
} from '../../../src/core/sla/slices.ts';

const sliceMs = fc.integer({ min: 1, max: 3_600_000 });
/** Up to about year 2300 in milliseconds. */
const instant = fc.integer({ min: 0, max: 10_400_000_000_000 });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });

function naivePopcount(x: number): number {
  let count = 0;
  for (let bit = 0; bit < 32; bit++) if (Math.floor(x / 2 ** bit) % 2 === 1) count++;
  return count;
}

describe('sliceAddress', () => {
  it('puts the instant inside its bit’s slice of a 32-slice-aligned row', () => {
    fc.assert(
      fc.property(instant, sliceMs, (at, slice) => {
        const { rowStart, bit } = sliceAddress(at, slice);
        expect(Number.isInteger(bit)).toBe(true);
        expect(bit).toBeGreaterThanOrEqual(0);
        expect(bit).toBeLessThan(SLICES_PER_ROW);
        expect(rowStart % (SLICES_PER_ROW * slice)).toBe(0);
        expect(rowStart + bit * slice).toBeLessThanOrEqual(at);
        expect(at).toBeLessThan(rowStart + (bit + 1) * slice);
      }),
    );
  });

  it('gives every instant of one slice the same address', () => {
    fc.assert(
      fc.property(
        instant,
        sliceMs,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (at, slice, f) => {
          const start = Math.floor(at / slice) * slice;
          const other = start + Math.floor(f * slice);
          expect(sliceAddress(other, slice)).toEqual(sliceAddress(start, slice));
        },
      ),
    );
  });

  it('firstRowStart is the row start of the slice holding the instant', () => {
    fc.assert(
      fc.property(instant, sliceMs, (at, slice) => {
        const rowStart = firstRowStart(at, slice);
        expect(rowStart).toBeLessThanOrEqual(at);
        expect(at).toBeLessThan(rowStart + SLICES_PER_ROW * slice);
      }),
    );
  });
});

describe('bit arithmetic', () => {
  it('bitMask(b) is 2^b as a non-negative 32-bit value', () => {
    for (let bit = 0; bit < 32; bit++) expect(bitMask(bit)).toBe(2 ** bit);
  });

  it('popcount32 equals a naive bit count', () => {
    fc.assert(
      fc.property(uint32, (x) => {
        expect(popcount32(x)).toBe(naivePopcount(x));
      }),
    );
    for (const x of [0, 1, 0x80000000, 0xffffffff, 0x55555555, 0xaaaaaaaa]) {
      expect(popcount32(x)).toBe(naivePopcount(x));
    }
  });

  it('windowMask equals a naive per-bit construction', () => {
    const around = fc.integer({ min: -80, max: 80 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        around,
        around,
        (rowSlice, fromOffset, toOffset) => {
          const fromSlice = rowSlice + fromOffset;
          const toSlice = rowSlice + toOffset;
          let expected = 0;
          for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
            const slice = rowSlice + bit;
            if (slice >= fromSlice && slice < toSlice) expected += 2 ** bit;
          }
          const mask = windowMask(rowSlice, fromSlice, toSlice);
          expect(mask).toBe(expected);
          expect(mask).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
