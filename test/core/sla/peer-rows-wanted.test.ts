import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { peerRowsWanted } from '../../../src/core/sla/peer-rows-wanted.ts';
import { bitMask, SLICES_PER_ROW, sliceAddress } from '../../../src/core/sla/slices.ts';

const SLICE = 60_000;
const ROW = SLICES_PER_ROW * SLICE;
const T0 = 1_000 * ROW;

/** Heartbeat rows covering the given slices (absolute slice numbers). */
function beats(slices: readonly number[]) {
  const masks = new Map<number, number>();
  for (const s of slices) {
    const { rowStart, bit } = sliceAddress(s * SLICE, SLICE);
    masks.set(rowStart, ((masks.get(rowStart) ?? 0) | bitMask(bit)) >>> 0);
  }
  return [...masks].map(([row_start, mask]) => ({ row_start, mask }));
}

describe('peerRowsWanted', () => {
  it('wants nothing of a node whose heartbeats cover every whole slice of the window', () => {
    // The window runs from the middle of one row into the next; the slice in progress is not judged.
    const windowStart = T0 + 10 * SLICE - 5_000;
    const windowEnd = T0 + 40 * SLICE + 30_000;
    const all = Array.from({ length: 30 }, (_, i) => T0 / SLICE + 10 + i);
    const wanted = peerRowsWanted(['a'], new Map([['a', beats(all)]]), SLICE, windowStart, windowEnd);
    expect(wanted.size).toBe(0);
  });

  it('wants each row holding a slice without a heartbeat, and every row of a node without any', () => {
    const windowStart = T0;
    const windowEnd = T0 + 3 * ROW;
    const first = T0 / SLICE;
    const covered = Array.from({ length: 96 }, (_, i) => first + i).filter((s) => s !== first + 40);
    const wanted = peerRowsWanted(
      ['gap', 'silent', 'steady'],
      new Map([
        ['gap', beats(covered)],
        ['steady', beats(Array.from({ length: 96 }, (_, i) => first + i))],
      ]),
      SLICE,
      windowStart,
      windowEnd,
    );
    expect([...wanted].sort(([a], [b]) => a - b)).toEqual([
      [T0, ['silent']],
      [T0 + ROW, ['gap', 'silent']],
      [T0 + 2 * ROW, ['silent']],
    ]);
  });

  it('wants a row exactly when some whole slice of it inside the window has no heartbeat', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * SLICES_PER_ROW }),
        fc.integer({ min: 1, max: 3 * SLICES_PER_ROW }),
        fc.integer({ min: 0, max: SLICE - 1 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 5 * SLICES_PER_ROW }), { maxLength: 120 }),
        (startSlice, length, jitter, beatSlices) => {
          const first = T0 / SLICE;
          const windowStart = (first + startSlice) * SLICE - jitter;
          const windowEnd = (first + startSlice + length) * SLICE + jitter;
          const wanted = peerRowsWanted(
            ['n'],
            new Map([['n', beats(beatSlices.map((s) => first + s))]]),
            SLICE,
            windowStart,
            windowEnd,
          );
          const have = new Set(beatSlices.map((s) => first + s));
          const expected = new Set<number>();
          for (let s = Math.ceil(windowStart / SLICE); s < Math.floor(windowEnd / SLICE); s++) {
            if (!have.has(s)) expected.add(sliceAddress(s * SLICE, SLICE).rowStart);
          }
          expect(new Set(wanted.keys())).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
