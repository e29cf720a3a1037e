import type { PeerSliceRow, SliceRow } from '../../core/sla/uptime.ts';
import type { Db } from '../capabilities.ts';
import { decodeMonitorVotes } from './peer-slices.ts';

/**
 * One node's uptime evidence rows that overlap [fromRowStart, to): its heartbeat bitmaps and
 * its peers' verdict bitmaps with each monitor's votes, for the slice strip of its page.
 */
export async function readNodeSliceEvidence(
  db: Db,
  nodeId: string,
  sliceMs: number,
  fromRowStart: number,
  to: number,
): Promise<{ heartbeatRows: SliceRow[]; peerRows: PeerSliceRow[] }> {
  const [beats, peers] = await Promise.all([
    db
      .selectFrom('heartbeat_slices')
      .select(['row_start', 'mask'])
      .where('node_id', '=', nodeId)
      .where('slice_ms', '=', sliceMs)
      .where('row_start', '>=', fromRowStart)
      .where('row_start', '<', to)
      .execute(),
    db
      .selectFrom('peer_verdict_slices')
      .select(['row_start', 'mask', 'monitor_votes'])
      .where('node_id', '=', nodeId)
      .where('slice_ms', '=', sliceMs)
      .where('row_start', '>=', fromRowStart)
      .where('row_start', '<', to)
      .execute(),
  ]);
  return {
    heartbeatRows: beats.map((r) => ({ row_start: Number(r.row_start), mask: Number(r.mask) })),
    peerRows: peers.map((r) => ({
      row_start: Number(r.row_start),
      mask: Number(r.mask),
      votes: decodeMonitorVotes(r.monitor_votes),
    })),
  };
}
