import { randomInt } from 'node:crypto';
import type { Db } from '../../store/capabilities.ts';
import { activeNodeIds } from '../../store/repositories/nodes.ts';
import { getPool, type PoolRow, savePool } from '../../store/repositories/pools.ts';
import { getTopics } from '../../store/repositories/topics.ts';
import {
  changeWorker,
  deleteApiWorker,
  getWorker,
  insertWorker,
  type WorkerChange,
  type WorkerRow,
  type WorkerTopic,
} from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, Conflict, NotFound } from '../errors.ts';
import {
  checkDistinctTopics,
  unknownPool,
  unknownTopics,
  workerFromConfig,
  workerNotInPool,
} from './problems.ts';

/** What the operator's pool and worker changes use. */
export interface PoolDeps {
  store: Store;
  now: () => number;
}

/** A worker as the operator adds it to a pool. */
export interface NewWorker {
  worker_id?: string;
  node_id: string;
  topics: WorkerTopic[];
  verify_topics?: string[];
  enabled?: boolean;
}

/** What an operator may change of a worker; at least one of them. */
export interface WorkerPatch {
  topics?: WorkerTopic[];
  verify_topics?: string[];
  enabled?: boolean;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `<node_id>/<pool>-<6 random base32>`: readable, and unlikely to collide within a pool. */
function generatedWorkerId(nodeId: string, pool: string): string {
  const suffix = Array.from({ length: 6 }, () => BASE32[randomInt(BASE32.length)]).join('');
  return `${nodeId}/${pool}-${suffix}`;
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

export async function requirePool(db: Db, name: string): Promise<PoolRow> {
  const pool = await getPool(db, name);
  if (pool === undefined) throw unknownPool(name);
  return pool;
}

/** The worker, if it is in this pool; `unknown-worker` otherwise. */
export async function requireWorker(db: Db, pool: string, workerId: string): Promise<WorkerRow> {
  const worker = await getWorker(db, workerId);
  if (worker === undefined || worker.pool !== pool) throw workerNotInPool(pool, workerId);
  return worker;
}

/** Creates a pool, or changes its description; says which, with the pool as stored. */
export async function savePoolDescription(
  { store, now }: PoolDeps,
  { name, description }: { name: string; description: string | null },
): Promise<{ created: boolean; pool: PoolRow }> {
  const saved = await store.transaction((trx) => savePool(trx, { name, description }, now()));
  return { created: saved === 'created', pool: await requirePool(store.db, name) };
}

/**
 * Adds a worker to a node in a pool, named by the operator or given a generated id. The pool,
 * the node (registered and active) and every topic must exist; the id must be free.
 */
export async function addWorker({ store, now }: PoolDeps, pool: string, body: NewWorker): Promise<WorkerRow> {
  const db = store.db;
  await requirePool(db, pool);
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
  return (await getWorker(db, workerId))!;
}

async function applyChange({ store, now }: PoolDeps, pool: string, workerId: string, what: WorkerChange) {
  await store.transaction((trx) => changeWorker(trx, pool, workerId, what, now()));
  return requireWorker(store.db, pool, workerId);
}

/** Enables, disables or restarts a worker of the pool; answers the worker as it is now. */
export async function changePoolWorker(
  deps: PoolDeps,
  pool: string,
  workerId: string,
  what: WorkerChange,
): Promise<WorkerRow> {
  await requireWorker(deps.store.db, pool, workerId);
  return applyChange(deps, pool, workerId, what);
}

/**
 * Changes a worker's topics, verify topics or whether it is enabled. A worker its host's
 * configuration declares keeps the topics declared there.
 */
export async function patchWorker(
  deps: PoolDeps,
  pool: string,
  workerId: string,
  body: WorkerPatch,
): Promise<WorkerRow> {
  const worker = await requireWorker(deps.store.db, pool, workerId);
  const changesTopics =
    (body.topics !== undefined && JSON.stringify(body.topics) !== worker.topics) ||
    (body.verify_topics !== undefined && JSON.stringify(body.verify_topics) !== worker.verify_topics);
  if (worker.source === 'config' && changesTopics)
    throw workerFromConfig(workerId, worker.node_id, 'change its topics');
  await checkTopicsExist(deps.store.db, body.topics, body.verify_topics);
  return applyChange(deps, pool, workerId, {
    ...(body.topics === undefined ? {} : { topics: body.topics }),
    ...(body.verify_topics === undefined ? {} : { verify_topics: body.verify_topics }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  });
}

/** Removes an operator-added worker; answers it as it was. */
export async function removeWorker({ store }: PoolDeps, pool: string, workerId: string): Promise<WorkerRow> {
  const worker = await requireWorker(store.db, pool, workerId);
  if (worker.source === 'config') throw workerFromConfig(workerId, worker.node_id, 'remove it');
  const deleted = await store.transaction((trx) => deleteApiWorker(trx, pool, workerId));
  if (!deleted) throw workerNotInPool(pool, workerId);
  return worker;
}
