import type { VigilConfig } from '../config/schema.ts';
import type { Logger } from '../platform/log.ts';
import type { Store } from '../store/store.ts';
import type { JobQueue } from './queue.ts';

export type { JobQueue } from './queue.ts';

/**
 * Opens the configured queue backend. The Redis client is imported only when Redis is
 * configured, so the embedded default never loads it. `onContentsLost` is called when the
 * backend finds it may have lost items (a Redis that restarted without persistence): the
 * coordinator then reconciles at once instead of at its next interval.
 */
export async function openQueue(
  settings: VigilConfig['queue'],
  store: Store,
  { log, onContentsLost = () => {} }: { log: Logger; onContentsLost?: () => void },
): Promise<JobQueue> {
  if (settings.backend === 'redis') {
    const { createRedisQueue } = await import('./redis/queue.ts');
    return createRedisQueue({ url: settings.redis_url, prefix: settings.redis_prefix, log, onContentsLost });
  }
  const { createDatabaseQueue } = await import('./database/queue.ts');
  return createDatabaseQueue(store);
}
