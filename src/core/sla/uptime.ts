import { type PeerShares, sliceShare } from './peer-shares.ts';
import { bitMask, popcount32, SLICES_PER_ROW, windowMask } from './slices.ts';

/** One bitmap row of slice evidence: row start (ms) and mask. */
export interface SliceRow {
  row_start: number;
  mask: number;
}

/**
 * One row of the peers' evidence: `mask` has the slices where most votes said up, `shares` the
 * share of up votes per slice. A row derived before migration 0007 has no shares; its mask
 * (then 0015's majority of monitors) stands for its slices as it did.
 */
export interface PeerSliceRow extends SliceRow {
  shares?: PeerShares | null;
}

export interface UptimeInput {
  /** Heartbeat bitmaps of one node. */
  rows: ReadonlyArray<SliceRow>;
  /** The peers' evidence about the node, one row per row start. */
  peerRows?: ReadonlyArray<PeerSliceRow>;
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
  /** Slices of evidence of life; fractional where only the peers' share speaks for a slice. */
  slicesUp: number;
  slicesTotal: number;
}

/** The earliest evidence about a node, of either kind; null when there is none. */
function judgedSince(firstHeartbeatAt: number | null, firstPeerProbeAt: number | null): number | null {
  if (firstHeartbeatAt === null) return firstPeerProbeAt;
  if (firstPeerProbeAt === null) return firstHeartbeatAt;
  return Math.min(firstHeartbeatAt, firstPeerProbeAt);
}

/** Heartbeat masks OR-ed per row start. */
function heartbeatMasks(rows: ReadonlyArray<SliceRow>): Map<number, number> {
  const byStart = new Map<number, number>();
  for (const r of rows) byStart.set(r.row_start, ((byStart.get(r.row_start) ?? 0) | r.mask) >>> 0);
  return byStart;
}

/** What the peers add to a row's judged slices that no heartbeat covers: their share of up votes. */
function peerEvidence(row: PeerSliceRow, judged: number): number {
  if (judged === 0) return 0;
  const { shares } = row;
  if (shares === undefined || shares === null) return popcount32((row.mask & judged) >>> 0);
  let sum = 0;
  for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
    if ((judged & bitMask(bit)) !== 0) sum += sliceShare(shares, bit);
  }
  return sum;
}

/**
 * Uptime as the share of whole time slices in the window that hold evidence of life. A slice
 * with a heartbeat counts whole; one without counts the share of the peers' votes that saw
 * the node up (decision 0046), so uptime follows the share of up samples, as settled downtime
 * does, instead of a per-slice majority that rounds every slice to all or nothing. The window starts no
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
  const beats = heartbeatMasks(rows);
  const inWindow = (rowStart: number) => {
    const rowSlice = Math.round(rowStart / sliceMs);
    if (rowSlice + SLICES_PER_ROW <= fromSlice || rowSlice >= toSlice) return 0;
    return windowMask(rowSlice, fromSlice, toSlice);
  };
  for (const [rowStart, mask] of beats) slicesUp += popcount32((mask & inWindow(rowStart)) >>> 0);
  for (const row of peerRows) {
    const judged = (inWindow(row.row_start) & ~(beats.get(row.row_start) ?? 0)) >>> 0;
    slicesUp += peerEvidence(row, judged);
  }
  if (firstHeartbeatAt !== null) return { uptimePct: (100 * slicesUp) / slicesTotal, slicesUp, slicesTotal };
  // A node its peers alone speak for (it never sent a heartbeat): its own silence says
  // nothing, so a slice no monitor has voted on, yet (interim summaries arrive up to
  // interim_period_s late) or at all, is no data rather than downtime.
  let voted = 0;
  for (const row of peerRows) voted += votedSlices(row, inWindow(row.row_start));
  if (voted === 0) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  return { uptimePct: (100 * slicesUp) / voted, slicesUp, slicesTotal: voted };
}

/** The slices of `judged` that at least one monitor voted on (all of them for a row from before shares). */
function votedSlices(row: PeerSliceRow, judged: number): number {
  if (judged === 0) return 0;
  if (row.shares === undefined || row.shares === null) return popcount32(judged);
  let n = 0;
  for (let bit = 0; bit < SLICES_PER_ROW; bit++) {
    if ((judged & bitMask(bit)) !== 0 && (row.shares.voters[bit] ?? 0) > 0) n++;
  }
  return n;
}
