import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '../../store/store.ts';
import type { HeartbeatBatcher } from '../ingest/heartbeat-batcher.ts';
import { registerWorkerGauge } from './metrics.ts';
import { poolRoutes } from './pool-routes.ts';
import { workerReadRoutes } from './read-routes.ts';
import { syncRoute } from './sync-routes.ts';
import { verificationRoutes } from './verification-routes.ts';

export interface WorkerRouteDeps {
  store: Store;
  registry: Registry;
  /** A host's sync is its node's heartbeat. */
  heartbeats: HeartbeatBatcher;
  /** The lease a claim gets (`queue.lease_ms`), told to hosts and used for verification claims. */
  leaseMs: number;
  /** The outcome rollups' window, whose grain a failed verification corrects. */
  completionWindowS: number;
  now: () => number;
}

/**
 * Workers: the hosts' sync, pools and the operator's changes, reads, and verification of
 * sampled jobs (docs/design/work-contract.md).
 */
export function workerRoutes(app: FastifyInstance, deps: WorkerRouteDeps): void {
  const { store, registry, heartbeats, leaseMs, completionWindowS, now } = deps;
  registerWorkerGauge(registry, store.db);
  syncRoute(app, { store, heartbeats, leaseMs, now });
  poolRoutes(app, { store, now });
  workerReadRoutes(app, { store });
  verificationRoutes(app, { store, registry, leaseMs, completionWindowS, now });
}
