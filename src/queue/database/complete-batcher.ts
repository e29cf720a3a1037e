import type { Db } from '../../store/capabilities.ts';
import { deleteHeld, HELD_ITEMS_PER_DELETE } from '../../store/repositories/queue-items.ts';

interface PendingCompletion {
  id: string;
  token: string;
  settle(deleted: boolean): void;
  fail(error: unknown): void;
}

/**
 * complete() calls made in the same tick go out together as one DELETE, and so do calls
 * that arrive while `maxInFlight` deletes are already running: a worker settling a claimed
 * batch costs one statement (on PostgreSQL one commit) instead of one per job, while callers
 * completing one job at a time still run side by side. Each call learns whether its own
 * token held its item.
 */
export function createCompletionBatcher(
  db: Db,
  { maxInFlight = 4 }: { maxInFlight?: number } = {},
): (id: string, token: string) => Promise<boolean> {
  let pending: PendingCompletion[] = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight || pending.length === 0) return;
    scheduled = true;
    // After the current tick, so the calls of one Promise.all share a statement.
    queueMicrotask(() => {
      scheduled = false;
      void runBatch();
    });
  }

  async function runBatch(): Promise<void> {
    const batch = takeBatch();
    inFlight++;
    schedule();
    try {
      const deleted = await deleteHeld(db, batch);
      for (const p of batch) p.settle(deleted.has(p.id));
    } catch (error) {
      for (const p of batch) p.fail(error);
    } finally {
      inFlight--;
      schedule();
    }
  }

  /**
   * Up to HELD_ITEMS_PER_DELETE calls, one per id, since a statement reports deleted ids only.
   * A repeat goes in a later statement: the database then lets only one of them delete.
   */
  function takeBatch(): PendingCompletion[] {
    const batch: PendingCompletion[] = [];
    const ids = new Set<string>();
    const later: PendingCompletion[] = [];
    for (const p of pending) {
      if (batch.length < HELD_ITEMS_PER_DELETE && !ids.has(p.id)) {
        ids.add(p.id);
        batch.push(p);
      } else later.push(p);
    }
    pending = later;
    return batch;
  }

  return function complete(id, token) {
    return new Promise<boolean>((settle, fail) => {
      pending.push({ id, token, settle, fail });
      schedule();
    });
  };
}
