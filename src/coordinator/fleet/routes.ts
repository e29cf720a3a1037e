import type { FastifyInstance } from 'fastify';
import { tenantScope } from '../jobs/tenants.ts';
import { FleetSummaryView } from './schemas.ts';
import { type FleetSummaryDeps, readFleetSummary } from './summary.ts';

/** The dashboard overview: the fleet's state in one read. */
export function fleetRoutes(app: FastifyInstance, deps: FleetSummaryDeps): void {
  app.get(
    '/fleet/summary',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary: 'The fleet at a glance: SLA health, capacity, epochs, queues and job throughput',
        description:
          'Everything an overview page shows, in one call (docs/api.md, “The fleet at a glance”). ' +
          'A tenant key sees only its own tenant’s jobs in the job figures.',
        response: { 200: FleetSummaryView },
      },
    },
    async (request) => readFleetSummary(deps, tenantScope(request.actor)),
  );
}
