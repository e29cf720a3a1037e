import { SLICES_PER_ROW } from './slices.ts';
import type { PeerSliceRow, SliceRow } from './uptime.ts';
import { heartbeatMasks } from './uptime.ts';

/**
 * A node's uptime evidence slice by slice, as two strings of one character per slice from
 * `from`: `heartbeats` has `1` where the node sent a heartbeat and `0` where it did not;
 * `peers` has what its monitors' probes said about the slice: `u` every monitor that voted
 * saw it up, `d` every one saw it down, `m` they disagreed (or one monitor's own probes did),
 * `.` no monitor voted. Compact enough to send a week of slices in one answer and to draw as
 * a strip, and exactly the evidence uptime is computed from (core/sla/uptime.ts).
 */
export interface EvidenceStrip {
  /** Start of the first slice, epoch ms (a slice boundary). */
  from: number;
  sliceMs: number;
  heartbeats: string;
  peers: string;
}

export function evidenceStrip({
  heartbeatRows,
  peerRows,
  sliceMs,
  from,
  to,
}: {
  heartbeatRows: ReadonlyArray<SliceRow>;
  peerRows: ReadonlyArray<PeerSliceRow>;
  sliceMs: number;
  /** The strip covers every slice that overlaps [from, to). */
  from: number;
  to: number;
}): EvidenceStrip {
  const firstSlice = Math.floor(from / sliceMs);
  const endSlice = to > from ? Math.ceil(to / sliceMs) : firstSlice;
  const beats = heartbeatMasks(heartbeatRows);
  const peersByStart = new Map<number, PeerSliceRow>();
  for (const row of peerRows) peersByStart.set(row.row_start, row);
  let heartbeats = '';
  let peers = '';
  for (let slice = firstSlice; slice < endSlice; slice++) {
    const rowSlice = Math.floor(slice / SLICES_PER_ROW) * SLICES_PER_ROW;
    const rowStart = rowSlice * sliceMs;
    const bit = ((1 << (slice - rowSlice)) >>> 0) as number;
    heartbeats += ((beats.get(rowStart) ?? 0) & bit) === 0 ? '0' : '1';
    peers += peerVerdict(peersByStart.get(rowStart), bit);
  }
  return { from: firstSlice * sliceMs, sliceMs, heartbeats, peers };
}

function peerVerdict(row: PeerSliceRow | undefined, bit: number): string {
  if (row === undefined) return '.';
  // A row from before migration 0008 keeps only the majority's up bits.
  if (row.votes === undefined || row.votes === null) return (row.mask & bit) === 0 ? '.' : 'u';
  let up = false;
  let down = false;
  for (const vote of row.votes) {
    if ((vote.up & bit) !== 0) up = true;
    if ((vote.down & bit) !== 0) down = true;
  }
  if (up && down) return 'm';
  if (up) return 'u';
  return down ? 'd' : '.';
}
