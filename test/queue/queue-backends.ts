import { silentLogger } from '../../src/platform/log.ts';
import { createDatabaseQueue } from '../../src/queue/database/queue.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createRedisQueue } from '../../src/queue/redis/queue.ts';
import { backends, PG_URL, type TestBackend } from '../helpers/backends.ts';
import { deleteKeys, REDIS_URL, redisSkipped, redisUnreachable, uniquePrefix } from '../helpers/redis.ts';

/** A queue of its own, empty, and how to dispose of it (also after the test closed the queue). */
export interface OpenedQueue {
  queue: JobQueue;
  cleanup(): Promise<void>;
}

export interface QueueBackend {
  name: string;
  /** Why this backend does not run here (shown in the suite's title), or null when it runs. */
  skip: string | null;
  open(): Promise<OpenedQueue>;
}

/**
 * Every queue backend the conformance suite runs against. A backend whose server is
 * unreachable is skipped with its reason outside CI; in CI (CI=true) it runs and fails.
 */
export function queueBackends(): QueueBackend[] {
  return [databaseBackend('sqlite'), databaseBackend('postgres'), redisBackend()];
}

/** The Redis queue on the shared Redis, under a key prefix of its own that cleanup deletes. */
function redisBackend(): QueueBackend {
  const skip = redisSkipped ? `${REDIS_URL} unreachable (${redisUnreachable})` : null;
  return {
    name: 'redis',
    skip,
    async open() {
      const prefix = uniquePrefix('vigil-conformance');
      const queue = await createRedisQueue({ url: REDIS_URL, prefix, log: silentLogger });
      return {
        queue,
        async cleanup() {
          await queue.close(); // a second close is a no-op: the test may have closed it
          await deleteKeys(prefix);
        },
      };
    },
  };
}

/** The in-database queue over a freshly migrated store of its own (temp SQLite file or PostgreSQL schema). */
function databaseBackend(name: TestBackend['name']): QueueBackend {
  const store = backends.find((b) => b.name === name);
  if (store === undefined) {
    const skip = `${name} unreachable at ${PG_URL}`;
    return { name: `database/${name}`, skip, open: () => Promise.reject(new Error(skip)) };
  }
  return {
    name: `database/${name}`,
    skip: null,
    async open() {
      const opened = await store.open();
      const queue = createDatabaseQueue(opened);
      return {
        queue,
        async cleanup() {
          await queue.close();
          await opened.close();
        },
      };
    },
  };
}
