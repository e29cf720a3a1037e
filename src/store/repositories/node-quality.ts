import type { Db, Tx } from '../capabilities.ts';

export interface NodeQuality {
  verified: number;
  failed: number;
}

/** Counts one verdict on a node's work: every verdict is verified, a failed one is also failed. */
export async function countVerdict(trx: Tx, nodeId: string, failed: boolean, now: number): Promise<void> {
  await trx
    .insertInto('node_quality')
    .values({ node_id: nodeId, verified: 1, failed: failed ? 1 : 0, updated_at: now })
    .onConflict((oc) =>
      oc.column('node_id').doUpdateSet((eb) => ({
        verified: eb('node_quality.verified', '+', 1),
        failed: eb('node_quality.failed', '+', eb.ref('excluded.failed')),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** A node's verdict counters; zeros before any verdict. */
export async function qualityOf(db: Db, nodeId: string): Promise<NodeQuality> {
  const row = await db
    .selectFrom('node_quality')
    .select(['verified', 'failed'])
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  return { verified: row?.verified ?? 0, failed: row?.failed ?? 0 };
}

/** How busy and how good the nodes are: what a scale-down weighs when it picks whom to stop. */
export interface NodeLoad {
  node_id: string;
  /** Jobs its workers hold now, as they last reported. */
  busy_slots: number;
  verified: number;
  failed: number;
}

/** The loads of these nodes (at most a few hundred ids); a node with no worker or verdict has zeros. */
export async function nodeLoads(db: Db, nodeIds: readonly string[]): Promise<NodeLoad[]> {
  if (nodeIds.length === 0) return [];
  const busy = await db
    .selectFrom('workers')
    .select((eb) => ['node_id', eb.fn.sum<number | string>('busy_slots').as('busy')])
    .where('node_id', 'in', [...nodeIds])
    .groupBy('node_id')
    .execute();
  const quality = await db
    .selectFrom('node_quality')
    .select(['node_id', 'verified', 'failed'])
    .where('node_id', 'in', [...nodeIds])
    .execute();
  const busyOf = new Map(busy.map((b) => [b.node_id, Number(b.busy ?? 0)]));
  const qualityOfNode = new Map(quality.map((q) => [q.node_id, q]));
  return nodeIds.map((node_id) => ({
    node_id,
    busy_slots: busyOf.get(node_id) ?? 0,
    verified: Number(qualityOfNode.get(node_id)?.verified ?? 0),
    failed: Number(qualityOfNode.get(node_id)?.failed ?? 0),
  }));
}
