import type { VoteMasks } from './peer-verdicts.ts';
import { bitMask, SLICES_PER_ROW } from './slices.ts';

/**
 * The peers' evidence for the 32 slices of one bitmap row, as the share of up votes: per
 * slice, how many monitors voted and how many halves of a vote said up. A monitor that saw
 * the node only up gives two halves, only down none, and one whose probes disagree within
 * the slice one: its vote follows its own samples instead of cancelling out (decision 0046).
 */
export interface PeerShares {
  /** Up votes in halves, per slice (0 … 2 × voters). */
  upHalves: number[];
  /** Monitors with a verdict in the slice. */
  voters: number[];
}

/** Each monitor's verdicts for one row, counted per slice: one vote per monitor, whatever it repeats. */
export function peerShares(votes: readonly VoteMasks[]): PeerShares {
  const upHalves = new Array<number>(SLICES_PER_ROW).fill(0);
  const voters = new Array<number>(SLICES_PER_ROW).fill(0);
  for (const { up, down } of votes) {
    if ((up | down) === 0) continue;
    for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
      const m = bitMask(bit);
      const isUp = (up & m) !== 0;
      const isDown = (down & m) !== 0;
      if (!isUp && !isDown) continue;
      voters[bit] = (voters[bit] as number) + 1;
      upHalves[bit] = (upHalves[bit] as number) + (isUp ? (isDown ? 1 : 2) : 0);
    }
  }
  return { upHalves, voters };
}

/** The share of up votes in one slice, 0 to 1; 0 when no monitor voted (silence is not life). */
export function sliceShare(shares: PeerShares, bit: number): number {
  const voters = shares.voters[bit] ?? 0;
  return voters === 0 ? 0 : (shares.upHalves[bit] ?? 0) / (2 * voters);
}

/**
 * The slices where more than half of the votes said up (a tie is not), as a bitmap: the
 * yes-or-no view of the shares, kept beside them for readers that want one.
 */
export function mostlyUpMask(shares: PeerShares): number {
  let mask = 0;
  for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
    if ((shares.upHalves[bit] as number) > (shares.voters[bit] as number)) mask |= bitMask(bit);
  }
  return mask >>> 0;
}
