import { popcount32, SLICES_PER_ROW, windowMask } from './slices.ts';

/** One bitmap row of slice evidence: row start (ms) and mask. */
export interface SliceRow {
  row_start: number;
  mask: number;
}

export interface UptimeInput {
  /** Heartbeat bitmaps of one node. */
  rows: ReadonlyArray<SliceRow>;
  /** The peers' majority verdict bitmaps of the node: a bit is set when more monitors saw it up than down. */
  peerRows?: ReadonlyArray<SliceRow>;
  /** When the node's first heartbeat arrived; null if it never sent one. */
  firstHeartbeatAt: number | null;
  /** When a peer first probed the node, whatever it saw; null or absent if none ever did. */
  firstPeerProbeAt?: number | null;
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

/** The earliest evidence about a node, of either kind; null when there is none. */
function judgedSince(firstHeartbeatAt: number | null, firstPeerProbeAt: number | null): number | null {
  if (firstHeartbeatAt === null) return firstPeerProbeAt;
  if (firstPeerProbeAt === null) return firstHeartbeatAt;
  return Math.min(firstHeartbeatAt, firstPeerProbeAt);
}

/** Heartbeat and peer rows OR-ed per row start: a slice lives if either kind of evidence says so. */
function evidenceRows(
  rows: ReadonlyArray<SliceRow>,
  peerRows: ReadonlyArray<SliceRow>,
): ReadonlyArray<SliceRow> {
  if (peerRows.length === 0) return rows;
  const byStart = new Map<number, number>();
  for (const r of [...rows, ...peerRows])
    byStart.set(r.row_start, ((byStart.get(r.row_start) ?? 0) | r.mask) >>> 0);
  return [...byStart].map(([row_start, mask]) => ({ row_start, mask }));
}

/**
 * Uptime as the share of whole time slices in the window that hold evidence of life: a
 * heartbeat, or the peers' majority verdict that the node was up. The window starts no
 * earlier than the slice of the node's first evidence (its first heartbeat or the first time
 * a peer probed it), so a node that joined an hour ago is judged on that hour; the slice
 * still in progress is not judged at all. A node nobody has heard of has no data, not 0 %.
 */
export function computeUptime({
  rows,
  peerRows = [],
  firstHeartbeatAt,
  firstPeerProbeAt = null,
  sliceMs,
  windowStart,
  windowEnd,
}: UptimeInput): UptimeResult {
  const since = judgedSince(firstHeartbeatAt, firstPeerProbeAt);
  if (since === null) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  const fromSlice = Math.max(Math.ceil(windowStart / sliceMs), Math.floor(since / sliceMs));
  const toSlice = Math.floor(windowEnd / sliceMs);
  const slicesTotal = Math.max(0, toSlice - fromSlice);
  if (slicesTotal === 0) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  let slicesUp = 0;
  for (const row of evidenceRows(rows, peerRows)) {
    const rowSlice = Math.round(row.row_start / sliceMs);
    if (rowSlice + SLICES_PER_ROW <= fromSlice || rowSlice >= toSlice) continue;
    slicesUp += popcount32((row.mask & windowMask(rowSlice, fromSlice, toSlice)) >>> 0);
  }
  return { uptimePct: (100 * slicesUp) / slicesTotal, slicesUp, slicesTotal };
}
