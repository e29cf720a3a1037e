import type { Db } from '../../store/capabilities.ts';
import { insertReadyRows, readyRowBatches } from '../../store/repositories/queue-items.ts';
import type { Store } from '../../store/store.ts';
import type { EnqueueItem } from '../queue.ts';

/**
 * Inserts items as ready, leaving any id already present (in whatever state) as it is. One
 * statement per batch of rows; several batches share a transaction so the items land whole.
 */
export async function enqueueItems(
  store: Store,
  items: readonly EnqueueItem[],
  now: number,
): Promise<{ added: number; existing: number }> {
  const batches = readyRowBatches(
    items.map((item) => ({
      id: item.id,
      topic: item.topic,
      payload: item.payload,
      attempts: item.attempts,
      max_attempts: item.maxAttempts,
      available_at: item.availableAt,
    })),
    now,
    store.capabilities,
  );

  async function insertBatches(db: Db): Promise<number> {
    let added = 0;
    for (const batch of batches) added += await insertReadyRows(db, batch);
    return added;
  }

  // A single statement is atomic by itself: skip the transaction's extra round trips.
  const added = batches.length <= 1 ? await insertBatches(store.db) : await store.transaction(insertBatches);
  return { added, existing: items.length - added };
}
