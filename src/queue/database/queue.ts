import type { Store } from '../../store/store.ts';
import type { JobQueue } from '../queue.ts';
import { claimReady } from './claim.ts';
import { createCompletionBatcher } from './complete-batcher.ts';
import { enqueueItems } from './enqueue.ts';
import { deadLettersOf, heldIds, topicStats } from './inspect.ts';
import { recoverExpiredLeases } from './recover.ts';
import { extendLease, failLease } from './settle.ts';

const DEFAULT_RECOVERY_LIMIT = 1_000;

/**
 * The queue in the coordinator's own database (table `queue_items`), on SQLite or PostgreSQL.
 * It borrows the store: `close()` only retires the queue, since the coordinator still uses
 * the store's connections for everything else and closes it itself.
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
      return extendLease(usable().db, id, token, leaseMs, now);
    },
    async complete(id, token) {
      usable(); // refuses once closed
      return completeBatched(id, token);
    },
    async fail(id, token, options) {
      return failLease(usable().db, id, token, options);
    },
    async remove(id) {
      const result = await usable().db.deleteFrom('queue_items').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async recoverExpired(now, limit = DEFAULT_RECOVERY_LIMIT) {
      return recoverExpiredLeases(usable(), now, limit);
    },
    async has(ids) {
      return heldIds(usable().db, ids);
    },
    async stats(now) {
      return topicStats(usable().db, now);
    },
    async deadLetters(topic, limit) {
      return deadLettersOf(usable().db, topic, limit);
    },
    async close() {
      closed = true;
    },
  };
}
