import type { FastifyInstance } from 'fastify';
import { registerWorkerGauge } from '../workers/metrics.ts';
import { poolRoutes } from '../workers/pool-routes.ts';
import { workerReadRoutes } from '../workers/reads.ts';
import { syncRoute } from '../workers/sync-route.ts';
import type { ApiDeps } from './deps.ts';

/** Workers: the hosts' sync, pools and the operator's changes, reads (docs/design/work-contract.md). */
export function workerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerWorkerGauge(deps.metrics.registry, deps.store.db);
  syncRoute(app, deps);
  poolRoutes(app, deps);
  workerReadRoutes(app, deps);
}
