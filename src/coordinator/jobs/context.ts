import type { VigilConfig } from '../../config/schema.ts';
import type { Logger } from '../../platform/log.ts';
import type { JobQueue } from '../../queue/queue.ts';
import type { Store } from '../../store/store.ts';
import type { JobMetrics } from './metrics.ts';
import type { ClaimWaiters } from './waiters.ts';

/** What the job service's steps share; built once by createJobService. */
export interface WorkContext {
  store: Store;
  queue: JobQueue;
  config: VigilConfig;
  metrics: JobMetrics;
  waiters: ClaimWaiters;
  log: Logger;
  now: () => number;
  /** For backoff jitter; tests pass a fixed one. */
  random: () => number;
}
