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
