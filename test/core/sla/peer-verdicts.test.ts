import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeVotes,
  type Probe,
  probeSlices,
  sliceRangeMasks,
  type VoteMasks,
  votesFromProbes,
} from '../../../src/core/sla/peer-verdicts.ts';
import { bitMask, SLICES_PER_ROW } from '../../../src/core/sla/slices.ts';

const sliceMs = fc.integer({ min: 1, max: 3_600_000 });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const votes = fc.record({ up: uint32, down: uint32 });
/** Probes within a few hundred slices of an origin far from zero. */
const probeFrame = fc
  .record({
    sliceMs: fc.integer({ min: 1, max: 600_000 }),
    originSlice: fc.integer({ min: 0, max: 5_000_000 }),
    intervalSlices: fc.double({ min: 0, max: 40, noNaN: true }),
    probes: fc.array(fc.tuple(fc.double({ min: 0, max: 300, noNaN: true }), fc.constantFrom<0 | 1>(0, 1)), {
      maxLength: 40,
    }),
  })
  .map(({ sliceMs, originSlice, intervalSlices, probes }) => ({
    sliceMs,
    probeIntervalMs: Math.max(1, Math.floor(intervalSlices * sliceMs)),
    probes: probes.map(([s, v]): Probe => [originSlice * sliceMs + Math.floor(s * sliceMs), v]),
  }));

/** Slice numbers set in a row's mask. */
function slicesOf(rowStart: number, mask: number, slice: number): number[] {
  const rowSlice = rowStart / slice;
  const out: number[] = [];
  for (let bit = 0; bit < SLICES_PER_ROW; bit++) if ((mask & bitMask(bit)) !== 0) out.push(rowSlice + bit);
  return out;
}

/** The definition per slice: which slices each verdict was given for. */
function naiveVotes(probes: readonly Probe[], probeIntervalMs: number, slice: number) {
  const up = new Set<number>();
  const down = new Set<number>();
  for (const [at, v] of probes) {
    const first = Math.floor(at / slice);
    const end = Math.floor((at + probeIntervalMs) / slice);
    for (let s = first; s < Math.max(end, first + 1); s++) (v === 1 ? up : down).add(s);
  }
  return { up, down };
}

function flatten(byRow: Map<number, VoteMasks>, slice: number) {
  const up = new Set<number>();
  const down = new Set<number>();
  for (const [rowStart, v] of byRow) {
    for (const s of slicesOf(rowStart, v.up, slice)) up.add(s);
    for (const s of slicesOf(rowStart, v.down, slice)) down.add(s);
  }
  return { up, down };
}

describe('probeSlices', () => {
  it('starts at the probe’s slice, stops before the slice of its end, and covers at least one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000_000 }),
        fc.integer({ min: 1, max: 86_400_000 }),
        sliceMs,
        (at, interval, slice) => {
          const [from, to] = probeSlices(at, interval, slice);
          expect(from * slice).toBeLessThanOrEqual(at);
          expect(at).toBeLessThan((from + 1) * slice);
          expect(to).toBeGreaterThan(from);
          if (to > from + 1) expect(to * slice).toBeLessThanOrEqual(at + interval);
          expect(at + interval).toBeLessThan((to + 1) * slice);
        },
      ),
    );
  });

  it('gives a 300 s probe five 60 s slices and a 60 s probe one 300 s slice', () => {
    const t = Date.UTC(2026, 10, 1);
    expect(probeSlices(t + 5_000, 300_000, 60_000)).toEqual([t / 60_000, t / 60_000 + 5]);
    expect(probeSlices(t + 270_000, 60_000, 300_000)).toEqual([t / 300_000, t / 300_000 + 1]);
  });
});

describe('sliceRangeMasks', () => {
  it('sets exactly the slices of the range, one row per 32 slices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 0, max: 200 }),
        sliceMs,
        (from, n, slice) => {
          const rows = sliceRangeMasks(from, from + n, slice);
          const set = rows.flatMap((r) => slicesOf(r.rowStart, r.mask, slice));
          expect(set).toEqual(Array.from({ length: n }, (_, i) => from + i));
          expect(new Set(rows.map((r) => r.rowStart)).size).toBe(rows.length);
          for (const r of rows) expect(r.rowStart % (SLICES_PER_ROW * slice)).toBe(0);
        },
      ),
    );
  });
});

describe('votesFromProbes', () => {
  it('marks each verdict on exactly the slices its probe stands for', () => {
    fc.assert(
      fc.property(probeFrame, ({ sliceMs, probeIntervalMs, probes }) => {
        const got = flatten(votesFromProbes(probes, probeIntervalMs, sliceMs), sliceMs);
        const want = naiveVotes(probes, probeIntervalMs, sliceMs);
        expect([...got.up].sort()).toEqual([...want.up].sort());
        expect([...got.down].sort()).toEqual([...want.down].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('is idempotent and order-free: resent or reordered probes give the same masks', () => {
    fc.assert(
      fc.property(probeFrame, fc.infiniteStream(fc.nat()), ({ sliceMs, probeIntervalMs, probes }, rnd) => {
        const once = votesFromProbes(probes, probeIntervalMs, sliceMs);
        const shuffled = [...probes, ...probes]
          .map((p) => [rnd.next().value, p] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, p]) => p);
        expect(votesFromProbes(shuffled, probeIntervalMs, sliceMs)).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });
});

describe('mergeVotes', () => {
  it('is an OR: idempotent, commutative and associative, and never loses a bit', () => {
    fc.assert(
      fc.property(votes, votes, votes, (a, b, c) => {
        expect(mergeVotes(a, a)).toEqual(a);
        expect(mergeVotes(a, b)).toEqual(mergeVotes(b, a));
        expect(mergeVotes(mergeVotes(a, b), c)).toEqual(mergeVotes(a, mergeVotes(b, c)));
        const m = mergeVotes(a, b);
        expect((m.up & a.up) >>> 0).toBe(a.up);
        expect((m.down & b.down) >>> 0).toBe(b.down);
        expect(mergeVotes(m, b)).toEqual(m);
      }),
    );
  });
});
