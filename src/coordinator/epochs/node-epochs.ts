import { type NodeSettlement, settledRowOf } from '../../core/settlement/index.ts';
import type { Db } from '../../store/capabilities.ts';
import { type SettledEpochRow, settledEpochsOf } from '../../store/repositories/settlements.ts';
import { requireNode } from '../nodes/registry.ts';

/** One node's part of one settled epoch, as the signed settlement records it. */
export interface NodeEpoch {
  epoch: number;
  start_ms: number;
  end_ms: number;
  settled_at: number;
  settlement_hash: string;
  /** The node's row of the settlement, every field as settled. */
  settled: NodeSettlement;
  /** Median down probes over median probes; null without a quorum. */
  downtime_fraction: number | null;
  reward_pool: string;
  total_reward: string;
}

/** The node's row of one stored settlement; null if the document does not list it. */
export function nodeEpochOf(row: SettledEpochRow, nodeId: string): NodeEpoch | null {
  // The document is read as signed, not recomputed: what the dashboard shows is what
  // `vigil verify` checks.
  const { row: settled, parameters, total_reward } = settledRowOf(row.document, nodeId);
  if (settled === null) return null;
  const { checks, downtime_intervals } = settled;
  return {
    epoch: row.epoch,
    start_ms: row.start_ms,
    end_ms: row.end_ms,
    settled_at: row.settled_at,
    settlement_hash: row.hash,
    settled,
    downtime_fraction:
      checks === null || downtime_intervals === null || checks <= 0 ? null : downtime_intervals / checks,
    reward_pool: parameters.reward_pool,
    total_reward,
  };
}

/** A registered node's settled epochs, newest first; 404 for a node never registered. */
export async function readNodeEpochs(db: Db, nodeId: string, limit: number): Promise<NodeEpoch[]> {
  await requireNode(db, nodeId);
  const rows = await settledEpochsOf(db, nodeId, limit);
  return rows.map((row) => nodeEpochOf(row, nodeId)).filter((e): e is NodeEpoch => e !== null);
}
