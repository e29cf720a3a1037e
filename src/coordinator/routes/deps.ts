import type { VigilConfig } from '../../config/schema.ts';
import type { Logger } from '../../platform/log.ts';
import type { JobQueue } from '../../queue/queue.ts';
import type { Store } from '../../store/store.ts';
import type { EpochService } from '../epochs/service.ts';
import type { HeartbeatBatcher } from '../ingest/heartbeat-batcher.ts';
import type { JobService } from '../jobs/service.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { SlaCollector } from '../sla/collector.ts';

/** What every route module is given; nothing is reached through globals. */
export interface ApiDeps {
  store: Store;
  config: VigilConfig;
  metrics: CoordinatorMetrics;
  collector: SlaCollector;
  heartbeats: HeartbeatBatcher;
  epochs: EpochService;
  /** Work distribution: the queue that dispatches jobs and the service that keeps their record. */
  work: { queue: JobQueue; jobs: JobService };
  log: Logger;
  now: () => number;
}
