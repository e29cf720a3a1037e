import { sql } from 'kysely';
import type { Db } from '../../store/capabilities.ts';

/** Items per DELETE: each costs three bind parameters (the IN list and its CASE arm). */
const MAX_PER_STATEMENT = 500;

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
      const deleted = await deleteHeld(
        db,
        batch.map(({ id, token }) => ({ id, token })),
      );
      for (const p of batch) p.settle(deleted.has(p.id));
    } catch (error) {
      for (const p of batch) p.fail(error);
    } finally {
      inFlight--;
      schedule();
    }
  }

  /**
   * Up to MAX_PER_STATEMENT calls, one per id, since a statement reports deleted ids only.
   * A repeat goes in a later statement: the database then lets only one of them delete.
   */
  function takeBatch(): PendingCompletion[] {
    const batch: PendingCompletion[] = [];
    const ids = new Set<string>();
    const later: PendingCompletion[] = [];
    for (const p of pending) {
      if (batch.length < MAX_PER_STATEMENT && !ids.has(p.id)) {
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

/** Deletes the leased items whose token matches; returns their ids. The ids must be distinct. */
async function deleteHeld(
  db: Db,
  completions: readonly { id: string; token: string }[],
): Promise<Set<string>> {
  const tokenOfRow = sql<string>`case id ${sql.join(
    completions.map(({ id, token }) => sql`when ${id} then ${token}`),
    sql` `,
  )} end`;
  const rows = await db
    .deleteFrom('queue_items')
    .where(
      'id',
      'in',
      completions.map((c) => c.id),
    )
    .where('state', '=', 'leased')
    .where('lease_token', '=', tokenOfRow)
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}
