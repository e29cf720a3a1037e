import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../routes/deps.ts';
import { registerWorkerGauge } from '../workers/metrics.ts';
import { poolRoutes } from '../workers/pool-routes.ts';
import { workerReadRoutes } from './read-routes.ts';
import { syncRoute } from './sync-routes.ts';

/** Workers: the hosts' sync, pools and the operator's changes, reads (docs/design/work-contract.md). */
export function workerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerWorkerGauge(deps.metrics.registry, deps.store.db);
  syncRoute(app, deps);
  poolRoutes(app, deps);
  workerReadRoutes(app, deps);
}
