import { SLICES_PER_ROW, windowMask } from './slices.ts';

/**
 * One monitor's verdicts on one node for the 32 slices of one bitmap row: bit i of `up`
 * is set when the monitor saw the node up in slice i, of `down` when it saw it down.
 * A monitor whose probes disagree within one slice has both bits set there.
 */
export interface VoteMasks {
  up: number;
  down: number;
}

/** A probe as an interim summary carries it: when, and 1 (up) or 0 (down). */
export type Probe = readonly [atMs: number, verdict: 0 | 1];

/**
 * The slices a probe's verdict stands for, as [fromSlice, toSlice): from the slice holding
 * `atMs` up to (not including) the one holding `atMs + probeIntervalMs`, and at least the
 * first one, so a probe interval shorter than a slice still speaks for its own slice.
 */
export function probeSlices(atMs: number, probeIntervalMs: number, sliceMs: number): [number, number] {
  const fromSlice = Math.floor(atMs / sliceMs);
  const toSlice = Math.max(fromSlice + 1, Math.floor((atMs + probeIntervalMs) / sliceMs));
  return [fromSlice, toSlice];
}

/** The rows and bits of the slices [fromSlice, toSlice), as (row start in ms, mask) pairs. */
export function sliceRangeMasks(
  fromSlice: number,
  toSlice: number,
  sliceMs: number,
): Array<{ rowStart: number; mask: number }> {
  const out: Array<{ rowStart: number; mask: number }> = [];
  for (
    let rowSlice = Math.floor(fromSlice / SLICES_PER_ROW) * SLICES_PER_ROW;
    rowSlice < toSlice;
    rowSlice += SLICES_PER_ROW
  ) {
    out.push({ rowStart: rowSlice * sliceMs, mask: windowMask(rowSlice, fromSlice, toSlice) });
  }
  return out;
}

/**
 * One monitor's probes of one target folded into vote masks per row start. Probes merge
 * with OR, so the same probe given twice (or in two summaries) votes once.
 */
export function votesFromProbes(
  probes: readonly Probe[],
  probeIntervalMs: number,
  sliceMs: number,
): Map<number, VoteMasks> {
  const votes = new Map<number, VoteMasks>();
  for (const [atMs, verdict] of probes) {
    const [fromSlice, toSlice] = probeSlices(atMs, probeIntervalMs, sliceMs);
    for (const { rowStart, mask } of sliceRangeMasks(fromSlice, toSlice, sliceMs)) {
      const prev = votes.get(rowStart) ?? { up: 0, down: 0 };
      votes.set(
        rowStart,
        verdict === 1 ? mergeVotes(prev, { up: mask, down: 0 }) : mergeVotes(prev, { up: 0, down: mask }),
      );
    }
  }
  return votes;
}

/** Two sets of one monitor's verdicts as one: what the store does on upsert. */
export function mergeVotes(a: VoteMasks, b: VoteMasks): VoteMasks {
  return { up: (a.up | b.up) >>> 0, down: (a.down | b.down) >>> 0 };
}
