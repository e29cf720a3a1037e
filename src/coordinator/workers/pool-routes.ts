import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { listPools, type PoolRow } from '../../store/repositories/pools.ts';
import { type WorkerChange, type WorkerRow, workersOfPools } from '../../store/repositories/workers.ts';
import { NodeId, NullableString, Problem, problemResponses } from '../http/schemas.ts';
import {
  addWorker,
  changePoolWorker,
  type PoolDeps,
  patchWorker,
  removeWorker,
  requirePool,
  savePoolDescription,
} from './pools.ts';
import { PoolName, TopicSlots, VerifyTopics, WorkerId, WorkerView, workerView } from './views.ts';

const PoolView = Type.Object({
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at_ms: Type.Integer(),
  updated_at_ms: Type.Integer(),
  workers: Type.Array(WorkerView),
});

const PoolInput = Type.Object(
  { name: PoolName, description: Type.Optional(NullableString(500)) },
  { additionalProperties: false },
);

const NewWorker = Type.Object(
  {
    worker_id: Type.Optional(WorkerId),
    node_id: NodeId,
    topics: TopicSlots,
    verify_topics: Type.Optional(VerifyTopics),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const WorkerPatch = Type.Object(
  {
    topics: Type.Optional(TopicSlots),
    verify_topics: Type.Optional(VerifyTopics),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const PoolParams = Type.Object({ pool: PoolName });
const WorkerParams = Type.Object({ pool: PoolName, worker_id: WorkerId });

/** The operator's one-word changes: `POST /pools/{pool}/workers/{worker_id}/<action>`. */
const ACTIONS: Array<[action: string, summary: string, what: WorkerChange]> = [
  ['enable', 'Enable a worker: its host starts it at its next sync', { enabled: true }],
  [
    'disable',
    'Disable a worker: its host stops it at its next sync, and it may not claim',
    { enabled: false },
  ],
  [
    'restart',
    'Restart a worker: its generation goes up and its host restarts it at its next sync',
    { restart: true },
  ],
];

function poolView(pool: PoolRow, workers: readonly WorkerRow[]) {
  return {
    name: pool.name,
    description: pool.description,
    created_at_ms: pool.created_at,
    updated_at_ms: pool.updated_at,
    workers: workers.filter((w) => w.pool === pool.name).map(workerView),
  };
}

/** Pools and the operator's changes to workers (docs/design/work-contract.md). */
export function poolRoutes(app: FastifyInstance, deps: PoolDeps): void {
  listPoolsRoute(app, deps);
  savePoolRoute(app, deps);
  getPoolRoute(app, deps);
  addWorkerRoute(app, deps);
  patchWorkerRoute(app, deps);
  for (const [action, summary, what] of ACTIONS) workerActionRoute(app, deps, { action, summary, what });
  removeWorkerRoute(app, deps);
}

function listPoolsRoute(app: FastifyInstance, { store }: PoolDeps): void {
  app.get(
    '/pools',
    {
      config: { access: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'Every pool with its workers',
        response: { 200: Type.Object({ pools: Type.Array(PoolView) }) },
      },
    },
    async () => {
      const pools = await listPools(store.db);
      const workers = await workersOfPools(
        store.db,
        pools.map((p) => p.name),
      );
      return { pools: pools.map((p) => poolView(p, workers)) };
    },
  );
}

function savePoolRoute(app: FastifyInstance, deps: PoolDeps): void {
  app.post(
    '/pools',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['workers'],
        summary: 'Create a pool, or change its description',
        body: PoolInput,
        response: { 200: PoolView, 201: PoolView, ...problemResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof PoolInput>;
      const { created, pool } = await savePoolDescription(deps, {
        name: body.name,
        description: body.description ?? null,
      });
      reply.status(created ? 201 : 200);
      if (created) reply.header('location', `/pools/${encodeURIComponent(body.name)}`);
      return poolView(pool, await workersOfPools(deps.store.db, [pool.name]));
    },
  );
}

function getPoolRoute(app: FastifyInstance, { store }: PoolDeps): void {
  app.get(
    '/pools/:pool',
    {
      config: { access: 'read' },
      schema: {
        tags: ['workers'],
        summary: 'One pool with its workers',
        params: PoolParams,
        response: { 200: PoolView, ...problemResponses },
      },
    },
    async (request) => {
      const { pool } = request.params as Static<typeof PoolParams>;
      const row = await requirePool(store.db, pool);
      return poolView(row, await workersOfPools(store.db, [row.name]));
    },
  );
}

function addWorkerRoute(app: FastifyInstance, deps: PoolDeps): void {
  app.post(
    '/pools/:pool/workers',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['workers'],
        summary: 'Add a worker to a node; its host starts it at its next sync',
        params: PoolParams,
        body: NewWorker,
        response: { 201: WorkerView, 409: Problem, 422: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { pool } = request.params as Static<typeof PoolParams>;
      const worker = await addWorker(deps, pool, request.body as Static<typeof NewWorker>);
      reply.status(201).header('location', `/workers/${encodeURIComponent(worker.worker_id)}`);
      return workerView(worker);
    },
  );
}

function patchWorkerRoute(app: FastifyInstance, deps: PoolDeps): void {
  app.patch(
    '/pools/:pool/workers/:worker_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['workers'],
        summary: 'Change a worker’s topics, verify topics or whether it is enabled',
        params: WorkerParams,
        body: WorkerPatch,
        response: { 200: WorkerView, 409: Problem, 422: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const { pool, worker_id } = request.params as Static<typeof WorkerParams>;
      const body = request.body as Static<typeof WorkerPatch>;
      return workerView(await patchWorker(deps, pool, worker_id, body));
    },
  );
}

function workerActionRoute(
  app: FastifyInstance,
  deps: PoolDeps,
  { action, summary, what }: { action: string; summary: string; what: WorkerChange },
): void {
  app.post(
    `/pools/:pool/workers/:worker_id/${action}`,
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['workers'],
        summary,
        params: WorkerParams,
        response: { 200: WorkerView, ...problemResponses },
      },
    },
    async (request) => {
      const { pool, worker_id } = request.params as Static<typeof WorkerParams>;
      return workerView(await changePoolWorker(deps, pool, worker_id, what));
    },
  );
}

function removeWorkerRoute(app: FastifyInstance, deps: PoolDeps): void {
  app.delete(
    '/pools/:pool/workers/:worker_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['workers'],
        summary: 'Remove an operator-added worker; its host stops it at its next sync',
        params: WorkerParams,
        response: { 200: WorkerView, 409: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const { pool, worker_id } = request.params as Static<typeof WorkerParams>;
      return workerView(await removeWorker(deps, pool, worker_id));
    },
  );
}
