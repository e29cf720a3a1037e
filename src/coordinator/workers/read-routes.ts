import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { statesOfWorker } from '../../store/repositories/worker-states.ts';
import { getWorker } from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { type DomainError, NotFound } from '../errors.ts';
import { Limit, problemResponses } from '../http/schemas.ts';
import { statesView, WorkerId, WorkerStatesView, WorkerView, workerView } from './views.ts';

/** `?since_ms&limit` of the state histories. */
export const StatesQuery = Type.Object(
  { since_ms: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Limit(1000, 100)) },
  { additionalProperties: false },
);

const Params = Type.Object({ worker_id: WorkerId });

function unknownWorker(workerId: string): DomainError {
  return new NotFound('unknown-worker', 'Unknown worker', `there is no worker ${workerId}`);
}

/** One worker and its state history (worker ids hold `/`: send it as %2F). */
export function workerReadRoutes(app: FastifyInstance, { store }: { store: Store }): void {
  app.get(
    '/workers/:worker_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'One worker: desired and last reported state',
        params: Params,
        response: { 200: WorkerView, ...problemResponses },
      },
    },
    async (request) => {
      const { worker_id } = request.params as Static<typeof Params>;
      const worker = await getWorker(store.db, worker_id);
      if (worker === undefined) throw unknownWorker(worker_id);
      return workerView(worker);
    },
  );

  app.get(
    '/workers/:worker_id/states',
    {
      config: { access: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'A worker’s state transitions, newest first',
        params: Params,
        querystring: StatesQuery,
        response: { 200: WorkerStatesView, ...problemResponses },
      },
    },
    async (request) => {
      const { worker_id } = request.params as Static<typeof Params>;
      const q = request.query as Static<typeof StatesQuery>;
      if ((await getWorker(store.db, worker_id)) === undefined) throw unknownWorker(worker_id);
      const rows = await statesOfWorker(store.db, worker_id, {
        ...(q.since_ms === undefined ? {} : { sinceMs: q.since_ms }),
        limit: q.limit ?? 100,
      });
      return statesView(rows);
    },
  );
}
