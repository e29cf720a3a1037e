import {
  countByTopic,
  deadItems,
  deleteItem,
  extendHeldLease,
  presentIds,
} from '../../store/repositories/queue-items.ts';
import type { Store } from '../../store/store.ts';
import type { JobQueue } from '../queue.ts';
import { claimReady } from './claim.ts';
import { createCompletionBatcher } from './complete-batcher.ts';
import { enqueueItems } from './enqueue.ts';
import { failLease } from './fail.ts';
import { recoverExpiredLeases } from './recover.ts';

const DEFAULT_RECOVERY_LIMIT = 1_000;

/**
 * The queue in the coordinator's own database (table `queue_items`, whose statements are in
 * `store/repositories/queue-items.ts`), on SQLite or PostgreSQL. It borrows the store:
 * `close()` only retires the queue, since the coordinator still uses the store's connections
 * for everything else and closes it itself.
 */
export function createDatabaseQueue(store: Store): JobQueue {
  let closed = false;
  const completeBatched = createCompletionBatcher(store.db);
  function usable(): Store {
    if (closed) throw new Error('the database queue is closed');
    return store;
  }

  return {
    backend: 'database',
    async enqueue(items, now) {
      return enqueueItems(usable(), items, now);
    },
    async claim(request) {
      return claimReady(usable(), request);
    },
    async extendLease(id, token, leaseMs, now) {
      return extendHeldLease(usable().db, { id, token, leaseExpiresAt: now + leaseMs });
    },
    async complete(id, token) {
      usable(); // refuses once closed
      return completeBatched(id, token);
    },
    async fail(id, token, options) {
      return failLease(usable().db, id, token, options);
    },
    async remove(id) {
      return deleteItem(usable().db, id);
    },
    async recoverExpired(now, limit = DEFAULT_RECOVERY_LIMIT) {
      return recoverExpiredLeases(usable(), now, limit);
    },
    async has(ids) {
      return presentIds(usable().db, ids);
    },
    async stats(now) {
      const counts = await countByTopic(usable().db, now);
      return counts.map(({ oldestReadyAt, ...count }) => ({
        ...count,
        oldestReadyAgeMs: oldestReadyAt === null ? 0 : now - oldestReadyAt,
      }));
    },
    async deadLetters(topic, limit) {
      return deadItems(usable().db, topic, limit);
    },
    async close() {
      closed = true;
    },
  };
}
