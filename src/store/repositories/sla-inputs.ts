import type { FleetMember } from '../../core/sla/evaluate-fleet.ts';
import { completionBuckets, type RollupGrain } from '../../core/sla/rollup.ts';
import { firstRowStart } from '../../core/sla/slices.ts';
import type { PeerSliceRow } from '../../core/sla/uptime.ts';
import { chunkKeys } from '../batching.ts';
import type { Db } from '../capabilities.ts';
import { decodeMonitorVotes } from './peer-slices.ts';
import { decodeDurations } from './response-samples.ts';

/** Every active node with its latest status and first peer probe: one query, whatever the fleet size. */
export async function readFleet(db: Db): Promise<FleetMember[]> {
  return db
    .selectFrom('nodes')
    .leftJoin('node_status', 'node_status.node_id', 'nodes.node_id')
    .leftJoin('peer_first_probes', 'peer_first_probes.node_id', 'nodes.node_id')
    .select([
      'nodes.node_id',
      'nodes.max_parallel',
      'node_status.first_heartbeat_at',
      'node_status.last_heartbeat_at',
      'node_status.busy_slots',
      'node_status.queue_length',
      'peer_first_probes.first_probe_at as first_peer_probe_at',
    ])
    .where('nodes.state', '=', 'active')
    .execute();
}

export type SliceRows = Map<string, Array<{ row_start: number; mask: number }>>;

/** Heartbeat bitmaps that overlap [from, to), grouped by node. */
export function readHeartbeatSlices(db: Db, sliceMs: number, from: number, to: number): Promise<SliceRows> {
  return readSliceRows(db, 'heartbeat_slices', sliceMs, from, to);
}

/** Node ids per `IN` list: far inside either dialect's bind limit. */
const NODES_PER_LIST = 5_000;

/**
 * The peers' verdict rows uptime needs (core/sla/peer-rows-wanted.ts): for each row start,
 * those of the listed nodes, with the mostly-up mask and each monitor's own bits (null in rows
 * derived before migration 0008). One statement per row start and list of nodes: a fixed
 * number per collection (about ten row starts in a 24-hour window), none when every slice
 * had a heartbeat.
 */
export async function readPeerVerdictSlices(
  db: Db,
  sliceMs: number,
  wanted: ReadonlyMap<number, readonly string[]>,
): Promise<Map<string, PeerSliceRow[]>> {
  const byNode = new Map<string, PeerSliceRow[]>();
  for (const [rowStart, nodes] of wanted) {
    for (const chunk of chunkKeys(nodes, NODES_PER_LIST)) {
      const rows = await db
        .selectFrom('peer_verdict_slices')
        .select(['node_id', 'row_start', 'mask', 'monitor_votes'])
        .where('slice_ms', '=', sliceMs)
        .where('row_start', '=', rowStart)
        .where('node_id', 'in', chunk)
        .execute();
      for (const r of rows) {
        const row = { row_start: r.row_start, mask: r.mask, votes: decodeMonitorVotes(r.monitor_votes) };
        const list = byNode.get(r.node_id);
        if (list === undefined) byNode.set(r.node_id, [row]);
        else list.push(row);
      }
    }
  }
  return byNode;
}

async function readSliceRows(
  db: Db,
  table: 'heartbeat_slices',
  sliceMs: number,
  from: number,
  to: number,
): Promise<SliceRows> {
  const rows = await db
    .selectFrom(table)
    .select(['node_id', 'row_start', 'mask'])
    .where('slice_ms', '=', sliceMs)
    .where('row_start', '>=', firstRowStart(from, sliceMs))
    .where('row_start', '<', to)
    .execute();
  const byNode: SliceRows = new Map();
  for (const r of rows) {
    const list = byNode.get(r.node_id);
    if (list === undefined) byNode.set(r.node_id, [{ row_start: r.row_start, mask: r.mask }]);
    else list.push({ row_start: r.row_start, mask: r.mask });
  }
  return byNode;
}

export interface CompletionCounts {
  successes: number;
  failures: number;
}

/**
 * Outcome counts per node since `from`: fine buckets up to the first coarse boundary plus
 * coarse buckets after it (core/sla/rollup.ts). The window starts at the fine bucket holding
 * `from`, so it is at most 1/168 longer than configured; a collection never scans raw outcomes.
 */
export async function readCompletionCounts(
  db: Db,
  from: number,
  grain: RollupGrain,
): Promise<Map<string, CompletionCounts>> {
  const { fineFrom, coarseFrom } = completionBuckets(from, grain);
  const sums = (bucketMs: number, start: number, end: number | null) => {
    let q = db
      .selectFrom('outcome_rollups')
      .select((eb) => [
        'node_id',
        eb.fn.sum<number>('successes').as('successes'),
        eb.fn.sum<number>('failures').as('failures'),
      ])
      .where('bucket_ms', '=', bucketMs)
      .where('bucket_start', '>=', start);
    if (end !== null) q = q.where('bucket_start', '<', end);
    return q.groupBy('node_id').execute();
  };
  const [edge, body] = await Promise.all([
    sums(grain.fineMs, fineFrom, coarseFrom),
    sums(grain.coarseMs, coarseFrom, null),
  ]);
  const counts = new Map<string, CompletionCounts>();
  for (const r of [...edge, ...body]) {
    const c = counts.get(r.node_id) ?? { successes: 0, failures: 0 };
    c.successes += Number(r.successes);
    c.failures += Number(r.failures);
    counts.set(r.node_id, c);
  }
  return counts;
}

/** Each node's most recent outcome durations. */
export async function readResponseDurations(db: Db): Promise<Map<string, number[]>> {
  const rows = await db.selectFrom('node_response_samples').select(['node_id', 'samples']).execute();
  return new Map(rows.map((r) => [r.node_id, decodeDurations(r.samples)]));
}
