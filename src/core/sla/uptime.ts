import { type JudgedVotes, type MonitorVotes, peerMedian } from './peer-median.ts';
import { popcount32, SLICES_PER_ROW, windowMask } from './slices.ts';

/** One bitmap row of slice evidence: row start (ms) and mask. */
export interface SliceRow {
  row_start: number;
  mask: number;
}

/**
 * One row of the peers' evidence: `mask` has the slices where most votes said up, `votes`
 * each monitor's own verdict bits (decision 0053). A row derived before migration 0008 has no
 * votes; its mask stands for its slices, a yes or no each.
 */
export interface PeerSliceRow extends SliceRow {
  votes?: ReadonlyArray<MonitorVotes> | null;
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
export function heartbeatMasks(rows: ReadonlyArray<SliceRow>): Map<number, number> {
  const byStart = new Map<number, number>();
  for (const r of rows) byStart.set(r.row_start, ((byStart.get(r.row_start) ?? 0) | r.mask) >>> 0);
  return byStart;
}

/**
 * Uptime as the share of whole time slices in the window that hold evidence of life. A slice
 * with a heartbeat counts whole. The slices without one are judged by the peers as settlement
 * judges an epoch (decision 0053): each monitor's share of up votes over those slices, then
 * the median across monitors, counted for every such slice some monitor voted on; a slice
 * nobody voted on counts nothing. The window starts no earlier than the slice of the node's
 * first evidence (its first heartbeat or the first time a peer probed it), so a node that
 * joined an hour ago is judged on that hour; the slice still in progress is not judged at
 * all. A node nobody has heard of has no data, not 0 %.
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
  // Rows from before migration 0008 speak by their mask; the others through the median.
  let maskVoted = 0;
  const judgedVotes: JudgedVotes[] = [];
  for (const row of peerRows) {
    const judged = (inWindow(row.row_start) & ~(beats.get(row.row_start) ?? 0)) >>> 0;
    if (judged === 0) continue;
    if (row.votes === undefined || row.votes === null) {
      slicesUp += popcount32((row.mask & judged) >>> 0);
      maskVoted += popcount32(judged);
    } else judgedVotes.push({ votes: row.votes, judged });
  }
  const peers = peerMedian(judgedVotes);
  slicesUp += peers.share * peers.votedSlices;
  if (firstHeartbeatAt !== null) return { uptimePct: (100 * slicesUp) / slicesTotal, slicesUp, slicesTotal };
  // A node its peers alone speak for (it never sent a heartbeat): its own silence says
  // nothing, so a slice no monitor has voted on, yet (interim summaries arrive up to
  // interim_period_s late) or at all, is no data rather than downtime.
  const voted = maskVoted + peers.votedSlices;
  if (voted === 0) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  return { uptimePct: (100 * slicesUp) / voted, slicesUp, slicesTotal: voted };
}
