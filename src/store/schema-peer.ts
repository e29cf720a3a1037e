/** Tables of peer-observed uptime (migration 0003). */
export interface PeerTables {
  peer_slices: PeerSlicesTable;
  peer_verdict_slices: PeerVerdictSlicesTable;
  peer_first_probes: PeerFirstProbesTable;
}

/**
 * One monitor's verdicts on one node as bitmaps of time slices, laid out like
 * heartbeat_slices: bit i of `up_mask` is set when the monitor saw the node up in slice
 * `row_start + i * slice_ms`, of `down_mask` when it saw it down. Upserts OR the bits in,
 * so a resent summary changes nothing.
 */
export interface PeerSlicesTable {
  node_id: string;
  slice_ms: number;
  row_start: number;
  monitor_id: string;
  up_mask: number;
  down_mask: number;
}

/**
 * The peers' verdict, derived from peer_slices whenever one of its rows changes: bit i of
 * `mask` is set when more than half of the monitors' votes saw the node up in that slice (a
 * monitor whose probes disagree there gives half a vote each way), and `monitor_votes` holds
 * every monitor's own bits for the row, `[[monitor_id, up_mask, down_mask], …]` as JSON
 * sorted by monitor (migration 0008, decision 0053), so the collection can take the median
 * across monitors without reading peer_slices; null in rows derived before it, which count
 * by their mask.
 */
export interface PeerVerdictSlicesTable {
  node_id: string;
  slice_ms: number;
  row_start: number;
  mask: number;
  monitor_votes: string | null;
}

/** When peers first probed a node (the probe's own time), whatever they saw. */
export interface PeerFirstProbesTable {
  node_id: string;
  first_probe_at: number;
}
