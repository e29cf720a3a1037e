import { popcount32, SLICES_PER_ROW, windowMask } from './slices.ts';

export interface UptimeInput {
  /** Heartbeat bitmaps of one node: row start (ms) and mask. */
  rows: ReadonlyArray<{ row_start: number; mask: number }>;
  /** When the node's first heartbeat arrived; null if it never sent one. */
  firstHeartbeatAt: number | null;
  sliceMs: number;
  /** Window [windowStart, windowEnd): only whole slices inside it count. */
  windowStart: number;
  windowEnd: number;
}

export interface UptimeResult {
  /** Null means "no data": the node has never shown life inside the window's reach. */
  uptimePct: number | null;
  slicesUp: number;
  slicesTotal: number;
}

/**
 * Uptime as the share of whole time slices in the window that hold evidence of life.
 * The window starts no earlier than the slice of the node's first heartbeat, so a node
 * that joined an hour ago is judged on that hour; the slice still in progress is not
 * judged at all. A node that has never sent a heartbeat has no data, not 0 %.
 */
export function computeUptime({
  rows,
  firstHeartbeatAt,
  sliceMs,
  windowStart,
  windowEnd,
}: UptimeInput): UptimeResult {
  if (firstHeartbeatAt === null) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  const fromSlice = Math.max(Math.ceil(windowStart / sliceMs), Math.floor(firstHeartbeatAt / sliceMs));
  const toSlice = Math.floor(windowEnd / sliceMs);
  const slicesTotal = Math.max(0, toSlice - fromSlice);
  if (slicesTotal === 0) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  let slicesUp = 0;
  for (const row of rows) {
    const rowSlice = Math.round(row.row_start / sliceMs);
    if (rowSlice + SLICES_PER_ROW <= fromSlice || rowSlice >= toSlice) continue;
    slicesUp += popcount32((row.mask & windowMask(rowSlice, fromSlice, toSlice)) >>> 0);
  }
  return { uptimePct: (100 * slicesUp) / slicesTotal, slicesUp, slicesTotal };
}
