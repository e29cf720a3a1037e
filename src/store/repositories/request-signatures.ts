import type { Db, Tx } from '../capabilities.ts';

/**
 * Remembers a node-signed request's signature; false when it was already seen (a replay).
 * The primary key decides, so of two concurrent copies exactly one is first.
 */
export async function recordRequestSignature(
  db: Db | Tx,
  { signature, nodeId, seenAt }: { signature: string; nodeId: string; seenAt: number },
): Promise<boolean> {
  const inserted = await db
    .insertInto('request_signatures')
    .values({ signature, node_id: nodeId, seen_at: seenAt })
    .onConflict((oc) => oc.column('signature').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Forgets signatures seen before `before`; returns how many. */
export async function pruneRequestSignatures(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('request_signatures').where('seen_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
