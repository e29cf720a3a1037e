import type { Kysely } from 'kysely';
import { chunkForBinds } from '../../store/batching.ts';
import type { Database } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import type { EnqueueItem } from '../queue.ts';

/**
 * Inserts items as ready, leaving any id already present (in whatever state) as it is. One
 * statement per chunk of rows; several chunks share a transaction so a batch lands whole.
 */
export async function enqueueItems(
  store: Store,
  items: readonly EnqueueItem[],
  now: number,
): Promise<{ added: number; existing: number }> {
  const rows = items.map((item) => ({
    id: item.id,
    topic: item.topic,
    payload: item.payload,
    state: 'ready' as const,
    attempts: item.attempts,
    max_attempts: item.maxAttempts,
    enqueued_at: now,
    available_at: item.availableAt,
  }));
  const chunks = chunkForBinds(rows, store.capabilities.maxBindParameters);

  async function insertChunks(db: Kysely<Database>): Promise<number> {
    let added = 0;
    for (const chunk of chunks) {
      const result = await db
        .insertInto('queue_items')
        .values(chunk)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return added;
  }

  // A single statement is atomic by itself: skip the transaction's extra round trips.
  const added = chunks.length <= 1 ? await insertChunks(store.db) : await store.transaction(insertChunks);
  return { added, existing: items.length - added };
}
