import type { Selectable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { WorkerState, WorkersTable } from '../schema-work.ts';

export type WorkerRow = Selectable<WorkersTable>;

/** One topic a worker runs, with how many jobs of it at once. */
export interface WorkerTopic {
  topic: string;
  concurrency: number;
}

/** A worker's desired state as its owner (host configuration or operator) sets it. */
export interface WorkerDesired {
  topics: WorkerTopic[];
  verify_topics: string[];
}

export function getWorker(db: Db | Tx, workerId: string): Promise<WorkerRow | undefined> {
  return db.selectFrom('workers').selectAll().where('worker_id', '=', workerId).executeTakeFirst();
}

/** Every worker of one node, by id. */
export function workersOfNode(db: Db | Tx, nodeId: string): Promise<WorkerRow[]> {
  return db.selectFrom('workers').selectAll().where('node_id', '=', nodeId).orderBy('worker_id').execute();
}

/** Every worker of the given pools, by id. */
export async function workersOfPools(db: Db | Tx, pools: readonly string[]): Promise<WorkerRow[]> {
  if (pools.length === 0) return [];
  return db
    .selectFrom('workers')
    .selectAll()
    .where('pool', 'in', [...pools])
    .orderBy('worker_id')
    .execute();
}

/** A worker's row as first stored: registered, idle, never seen, not benchmarked. */
function newWorkerRow(
  worker: {
    worker_id: string;
    node_id: string;
    pool: string | null;
    source: 'config' | 'api';
    enabled: boolean;
  } & WorkerDesired,
  now: number,
) {
  return {
    worker_id: worker.worker_id,
    node_id: worker.node_id,
    pool: worker.pool,
    source: worker.source,
    topics: JSON.stringify(worker.topics),
    verify_topics: JSON.stringify(worker.verify_topics),
    enabled: worker.enabled ? 1 : 0,
    generation: 0,
    state: 'registered' as const,
    reason: null,
    state_at: now,
    busy_slots: 0,
    queue_length: 0,
    benchmark: '{}',
    last_seen_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** Inserts a new worker's row; false when the id is taken (nothing changes). */
async function insertNew(trx: Tx, row: ReturnType<typeof newWorkerRow>): Promise<boolean> {
  const result = await trx
    .insertInto('workers')
    .values(row)
    .onConflict((oc) => oc.column('worker_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Adds a worker an operator created; false when the id is taken. */
export function insertWorker(
  trx: Tx,
  worker: { worker_id: string; node_id: string; pool: string; enabled: boolean } & WorkerDesired,
  now: number,
): Promise<boolean> {
  return insertNew(trx, newWorkerRow({ ...worker, source: 'api' }, now));
}

/**
 * Records a worker its host's configuration declares: created on first sight, its topics,
 * verify topics and pool replaced by the declaration after (enabled and generation stay as
 * an operator set them). False when the id belongs to another node: the declaration is ignored.
 */
export async function upsertDeclaredWorker(
  trx: Tx,
  nodeId: string,
  worker: { worker_id: string; pool: string | null } & WorkerDesired,
  now: number,
): Promise<boolean> {
  const row = newWorkerRow({ ...worker, node_id: nodeId, source: 'config', enabled: true }, now);
  if (await insertNew(trx, row)) return true;
  const { topics, verify_topics } = row;
  const updated = await trx
    .updateTable('workers')
    .set({ source: 'config', pool: worker.pool, topics, verify_topics, updated_at: now })
    .where('worker_id', '=', worker.worker_id)
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** What a host observed of one worker at a sync. */
export interface WorkerObservation {
  state: WorkerState;
  reason: string | null;
  /** When the worker entered `state`, when the host said so; else the coordinator decides. */
  entered_at: number | null;
  busy_slots: number;
  queue_length: number;
  benchmark: Record<string, number>;
}

/**
 * Stores what the host reports of its worker: the state (and since when: the reported entry
 * time, else the stored one while the state is unchanged, else now), slots, queue and the
 * benchmark scores it reported, merged over earlier ones so a score stands until re-measured.
 * False when the node has no such worker.
 */
export async function recordObservation(
  trx: Tx,
  nodeId: string,
  workerId: string,
  seen: WorkerObservation,
  now: number,
): Promise<boolean> {
  const row = await trx
    .selectFrom('workers')
    .select(['state', 'state_at', 'benchmark'])
    .where('worker_id', '=', workerId)
    .where('node_id', '=', nodeId)
    .executeTakeFirst();
  if (row === undefined) return false;
  const stateAt = seen.entered_at ?? (row.state === seen.state ? row.state_at : now);
  const benchmark = { ...(JSON.parse(row.benchmark) as Record<string, number>), ...seen.benchmark };
  await trx
    .updateTable('workers')
    .set({
      state: seen.state,
      reason: seen.reason,
      state_at: stateAt,
      busy_slots: seen.busy_slots,
      queue_length: seen.queue_length,
      benchmark: JSON.stringify(benchmark),
      last_seen_at: now,
      updated_at: now,
    })
    .where('worker_id', '=', workerId)
    .where('node_id', '=', nodeId)
    .execute();
  return true;
}

/** An operator's change to a worker's desired state; absent fields stay. */
export interface WorkerChange {
  topics?: WorkerTopic[];
  verify_topics?: string[];
  enabled?: boolean;
  /** Raise the generation by one: the host restarts the worker. */
  restart?: boolean;
}

/** Applies an operator's change to a worker of a pool; false when the pool has no such worker. */
export async function changeWorker(
  trx: Tx,
  pool: string,
  workerId: string,
  change: WorkerChange,
  now: number,
): Promise<boolean> {
  const result = await trx
    .updateTable('workers')
    .set((eb) => ({
      ...(change.topics === undefined ? {} : { topics: JSON.stringify(change.topics) }),
      ...(change.verify_topics === undefined ? {} : { verify_topics: JSON.stringify(change.verify_topics) }),
      ...(change.enabled === undefined ? {} : { enabled: change.enabled ? 1 : 0 }),
      ...(change.restart === true ? { generation: eb('generation', '+', 1) } : {}),
      updated_at: now,
    }))
    .where('worker_id', '=', workerId)
    .where('pool', '=', pool)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Removes an operator-added worker of a pool; false when there is none. */
export async function deleteApiWorker(trx: Tx, pool: string, workerId: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('workers')
    .where('worker_id', '=', workerId)
    .where('pool', '=', pool)
    .where('source', '=', 'api')
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** How many enabled workers are in each state, for the `vigil_workers` gauge. */
export async function countWorkersByState(db: Db): Promise<Array<{ state: WorkerState; count: number }>> {
  const rows = await db
    .selectFrom('workers')
    .select(['state', (eb) => eb.fn.countAll<number>().as('count')])
    .where('enabled', '=', 1)
    .groupBy('state')
    .execute();
  return rows.map((r) => ({ state: r.state, count: Number(r.count) }));
}

/** Which of these workers belong to the node. */
export async function workersOwnedBy(
  db: Db | Tx,
  nodeId: string,
  workerIds: readonly string[],
): Promise<Set<string>> {
  if (workerIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('workers')
    .select('worker_id')
    .where('worker_id', 'in', [...workerIds])
    .where('node_id', '=', nodeId)
    .execute();
  return new Set(rows.map((r) => r.worker_id));
}
