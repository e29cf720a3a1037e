import { SLICES_PER_ROW, windowMask } from './slices.ts';
import { heartbeatMasks, type SliceRow } from './uptime.ts';

/**
 * The (row, node) pairs whose peers' verdicts uptime needs: a row of the window [windowStart,
 * windowEnd) is wanted for a node when some whole slice of it inside the window has no
 * heartbeat, since peers only speak for slices without one (decision 0053). Returned as the
 * nodes wanted per row start, so the store reads one list of nodes per row start, a fixed
 * number of statements per collection. A fleet that sends heartbeats wants almost nothing;
 * a node that never sent one wants every row.
 */
export function peerRowsWanted(
  nodeIds: Iterable<string>,
  heartbeats: ReadonlyMap<string, ReadonlyArray<SliceRow>>,
  sliceMs: number,
  windowStart: number,
  windowEnd: number,
): Map<number, string[]> {
  const fromSlice = Math.ceil(windowStart / sliceMs);
  const toSlice = Math.floor(windowEnd / sliceMs);
  const wanted = new Map<number, string[]>();
  if (toSlice <= fromSlice) return wanted;
  const rowSlices: number[] = [];
  for (
    let rowSlice = Math.floor(fromSlice / SLICES_PER_ROW) * SLICES_PER_ROW;
    rowSlice < toSlice;
    rowSlice += SLICES_PER_ROW
  ) {
    rowSlices.push(rowSlice);
    wanted.set(rowSlice * sliceMs, []);
  }
  for (const nodeId of nodeIds) {
    const beats = heartbeatMasks(heartbeats.get(nodeId) ?? []);
    for (const rowSlice of rowSlices) {
      const rowStart = rowSlice * sliceMs;
      const uncovered = (windowMask(rowSlice, fromSlice, toSlice) & ~(beats.get(rowStart) ?? 0)) >>> 0;
      if (uncovered !== 0) wanted.get(rowStart)?.push(nodeId);
    }
  }
  for (const [rowStart, nodes] of wanted) if (nodes.length === 0) wanted.delete(rowStart);
  return wanted;
}
