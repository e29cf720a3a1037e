import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Problem } from '../http/schemas.ts';
import { tenantScope } from '../jobs/tenants.ts';
import { readSeries, type SeriesDeps } from './read.ts';
import { SeriesQuery, SeriesView } from './schemas.ts';

/** Named time series, downsampled on the server for charts. */
export function seriesRoutes(app: FastifyInstance, deps: SeriesDeps): void {
  app.get(
    '/series',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary: 'A named time series over a range, in at most `points` buckets with min and max',
        description:
          'Series of a node’s SLA metrics, the fleet’s capacity and open violations, job throughput and ' +
          'topic queues (docs/api.md, “Time series”). A tenant key counts only its own tenant’s jobs.',
        querystring: SeriesQuery,
        response: { 200: SeriesView, 404: Problem },
      },
    },
    async (request) =>
      readSeries(deps, request.query as Static<typeof SeriesQuery>, tenantScope(request.actor)),
  );
}
