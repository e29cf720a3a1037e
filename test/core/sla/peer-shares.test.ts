import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostlyUpMask, peerShares, sliceShare } from '../../../src/core/sla/peer-shares.ts';
import type { VoteMasks } from '../../../src/core/sla/peer-verdicts.ts';
import { bitMask, popcount32, SLICES_PER_ROW } from '../../../src/core/sla/slices.ts';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const votes = fc.record({ up: uint32, down: uint32 });
const ALL = 0xffffffff;

/** The definition per slice: each voting monitor counts 1 (only up), 0 (only down) or ½ (both). */
function naiveShare(list: readonly VoteMasks[], bit: number): number | null {
  const m = bitMask(bit);
  const values = list
    .filter((v) => ((v.up | v.down) & m) !== 0)
    .map((v): number => ((v.up & m) !== 0 ? ((v.down & m) !== 0 ? 0.5 : 1) : 0));
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

describe('peerShares', () => {
  it('gives each slice the mean of its voters’ values: up 1, down 0, a monitor that saw both ½', () => {
    fc.assert(
      fc.property(fc.array(votes, { maxLength: 30 }), (list) => {
        const shares = peerShares(list);
        for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
          const expected = naiveShare(list, bit);
          expect(sliceShare(shares, bit)).toBeCloseTo(expected ?? 0, 12);
          expect(shares.voters[bit] === 0).toBe(expected === null);
          // The mask is the yes-or-no view: more than half of the votes up, a tie is not.
          expect((mostlyUpMask(shares) & bitMask(bit)) !== 0).toBe(expected !== null && expected > 0.5);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order of monitors', () => {
    fc.assert(
      fc.property(fc.array(votes, { maxLength: 24 }), (list) => {
        expect(peerShares([...list].reverse())).toEqual(peerShares(list));
      }),
    );
  });

  it('lets f lying monitors of n move a slice’s share by at most f/n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.array(votes, { maxLength: 24 }),
        uint32,
        (honestCount, liars, truth) => {
          const honest: VoteMasks[] = Array.from({ length: honestCount }, () => ({
            up: truth,
            down: ~truth >>> 0,
          }));
          const shares = peerShares([...honest, ...liars]);
          for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
            const real = (truth & bitMask(bit)) !== 0 ? 1 : 0;
            const voters = shares.voters[bit] as number;
            const lies = voters - honestCount;
            expect(Math.abs(sliceShare(shares, bit) - real)).toBeLessThanOrEqual(lies / voters + 1e-12);
          }
        },
      ),
    );
  });

  it('counts no votes as no evidence of life, and a monitor that saw both as half', () => {
    expect(sliceShare(peerShares([]), 0)).toBe(0);
    expect(mostlyUpMask(peerShares([]))).toBe(0);
    const mixed = peerShares([{ up: ALL, down: ALL }]);
    expect(sliceShare(mixed, 7)).toBe(0.5);
    expect(mostlyUpMask(mixed)).toBe(0);
    // Two monitors up, one mixed: 2.5 of 3 votes.
    const mostly = peerShares([
      { up: ALL, down: 0 },
      { up: ALL, down: 0 },
      { up: ALL, down: ALL },
    ]);
    expect(sliceShare(mostly, 31)).toBeCloseTo(5 / 6, 12);
    expect(popcount32(mostlyUpMask(mostly))).toBe(32);
  });
});
