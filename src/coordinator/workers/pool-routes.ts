import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Db } from '../../store/capabilities.ts';
import { activeNodeIds } from '../../store/repositories/nodes.ts';
import { getPool, listPools, type PoolRow, savePool } from '../../store/repositories/pools.ts';
import { getTopics } from '../../store/repositories/topics.ts';
import {
  changeWorker,
  deleteApiWorker,
  getWorker,
  insertWorker,
  type WorkerChange,
  type WorkerRow,
  workersOfPools,
} from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, Conflict, NotFound } from '../errors.ts';
import { NodeId, NullableString, Problem, problemResponses } from '../http/schemas.ts';
import {
  checkDistinctTopics,
  unknownPool,
  unknownTopics,
  workerFromConfig,
  workerNotInPool,
} from './problems.ts';
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

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `<node_id>/<pool>-<6 random base32>`: readable, and unlikely to collide within a pool. */
function generatedWorkerId(nodeId: string, pool: string): string {
  const suffix = Array.from({ length: 6 }, () => BASE32[randomInt(BASE32.length)]).join('');
  return `${nodeId}/${pool}-${suffix}`;
}

function poolView(pool: PoolRow, workers: readonly WorkerRow[]) {
  return {
    name: pool.name,
    description: pool.description,
    created_at_ms: pool.created_at,
    updated_at_ms: pool.updated_at,
    workers: workers.filter((w) => w.pool === pool.name).map(workerView),
  };
}

async function checkTopicsExist(
  db: Db,
  topics?: ReadonlyArray<{ topic: string }>,
  verify?: readonly string[],
) {
  checkDistinctTopics(topics);
  const named = [...(topics ?? []).map((t) => t.topic), ...(verify ?? [])];
  const known = await getTopics(db, named);
  const missing = [...new Set(named)].filter((name) => !known.has(name));
  if (missing.length > 0) throw unknownTopics(missing);
}

/** Pools and the operator's changes to workers (docs/design/work-contract.md). */
export function poolRoutes(app: FastifyInstance, { store, now }: { store: Store; now: () => number }): void {
  const db = store.db;

  async function requirePool(name: string): Promise<PoolRow> {
    const pool = await getPool(db, name);
    if (pool === undefined) throw unknownPool(name);
    return pool;
  }

  async function requireWorker(pool: string, workerId: string): Promise<WorkerRow> {
    const worker = await getWorker(db, workerId);
    if (worker === undefined || worker.pool !== pool) throw workerNotInPool(pool, workerId);
    return worker;
  }

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
      const pools = await listPools(db);
      const workers = await workersOfPools(
        db,
        pools.map((p) => p.name),
      );
      return { pools: pools.map((p) => poolView(p, workers)) };
    },
  );

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
      const saved = await db
        .transaction()
        .execute((trx) => savePool(trx, { name: body.name, description: body.description ?? null }, now()));
      const pool = await requirePool(body.name);
      reply.status(saved === 'created' ? 201 : 200);
      if (saved === 'created') reply.header('location', `/pools/${encodeURIComponent(body.name)}`);
      return poolView(pool, await workersOfPools(db, [pool.name]));
    },
  );

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
      const row = await requirePool(pool);
      return poolView(row, await workersOfPools(db, [row.name]));
    },
  );

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
      const body = request.body as Static<typeof NewWorker>;
      await requirePool(pool);
      if (!(await activeNodeIds(db, [body.node_id])).has(body.node_id)) {
        throw new NotFound(
          'unknown-node',
          'Unknown node',
          `node ${body.node_id} is not registered (or was deregistered)`,
        );
      }
      await checkTopicsExist(db, body.topics, body.verify_topics);
      const workerId = body.worker_id ?? generatedWorkerId(body.node_id, pool);
      if (workerId.length > 128) {
        throw badRequest(
          `the generated worker id ${workerId} is longer than 128 characters; name the worker with worker_id`,
        );
      }
      const inserted = await store.transaction((trx) =>
        insertWorker(
          trx,
          {
            worker_id: workerId,
            node_id: body.node_id,
            pool,
            enabled: body.enabled ?? true,
            topics: body.topics,
            verify_topics: body.verify_topics ?? [],
          },
          now(),
        ),
      );
      if (!inserted) {
        throw new Conflict('worker-exists', 'Worker exists', `there is already a worker ${workerId}`);
      }
      reply.status(201).header('location', `/workers/${encodeURIComponent(workerId)}`);
      return workerView((await getWorker(db, workerId))!);
    },
  );

  async function change(
    pool: string,
    workerId: string,
    what: WorkerChange,
  ): Promise<ReturnType<typeof workerView>> {
    await store.transaction((trx) => changeWorker(trx, pool, workerId, what, now()));
    return workerView(await requireWorker(pool, workerId));
  }

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
      const worker = await requireWorker(pool, worker_id);
      const changesTopics =
        (body.topics !== undefined && JSON.stringify(body.topics) !== worker.topics) ||
        (body.verify_topics !== undefined && JSON.stringify(body.verify_topics) !== worker.verify_topics);
      if (worker.source === 'config' && changesTopics)
        throw workerFromConfig(worker_id, worker.node_id, 'change its topics');
      await checkTopicsExist(db, body.topics, body.verify_topics);
      return change(pool, worker_id, {
        ...(body.topics === undefined ? {} : { topics: body.topics }),
        ...(body.verify_topics === undefined ? {} : { verify_topics: body.verify_topics }),
        ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
      });
    },
  );

  const actions: Array<[string, string, WorkerChange]> = [
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
  for (const [action, summary, what] of actions) {
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
        await requireWorker(pool, worker_id);
        return change(pool, worker_id, what);
      },
    );
  }

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
      const worker = await requireWorker(pool, worker_id);
      if (worker.source === 'config') throw workerFromConfig(worker_id, worker.node_id, 'remove it');
      const deleted = await store.transaction((trx) => deleteApiWorker(trx, pool, worker_id));
      if (!deleted) throw workerNotInPool(pool, worker_id);
      return workerView(worker);
    },
  );
}
