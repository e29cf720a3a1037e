import type { FastifyInstance } from 'fastify';
import { type Static, type TSchema, Type } from 'typebox';
import { statesOfWorker, type WorkerStateRow } from '../../store/repositories/worker-states.ts';
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

  stateHistoryRoute(app, {
    url: '/workers/:worker_id/states',
    tag: 'workers',
    summary: 'A worker’s state transitions, newest first',
    param: 'worker_id',
    idPattern: WorkerId,
    async check(workerId) {
      if ((await getWorker(store.db, workerId)) === undefined) throw unknownWorker(workerId);
    },
    read: (workerId, query) => statesOfWorker(store.db, workerId, query),
  });
}

/**
 * A state history route (`GET …/states?since_ms&limit`): `check` refuses an unknown subject,
 * then its workers' transitions, newest first. Nodes and workers both have one.
 */
export function stateHistoryRoute(
  app: FastifyInstance,
  {
    url,
    tag,
    summary,
    param,
    idPattern,
    check,
    read,
  }: {
    url: string;
    tag: string;
    summary: string;
    param: string;
    idPattern: TSchema;
    check(id: string): Promise<void>;
    read(id: string, query: { sinceMs?: number; limit: number }): Promise<WorkerStateRow[]>;
  },
): void {
  const Params = Type.Object({ [param]: idPattern });
  app.get(
    url,
    {
      config: { access: 'read' },
      schema: {
        tags: [tag],
        summary,
        params: Params,
        querystring: StatesQuery,
        response: { 200: WorkerStatesView, ...problemResponses },
      },
    },
    async (request) => {
      const id = (request.params as Record<string, string>)[param] as string;
      const q = request.query as Static<typeof StatesQuery>;
      await check(id);
      const rows = await read(id, {
        ...(q.since_ms === undefined ? {} : { sinceMs: q.since_ms }),
        limit: q.limit ?? 100,
      });
      return statesView(rows);
    },
  );
}
