import type { Selectable } from 'kysely';
import { chunkForBinds } from '../batching.ts';
import type { Db, StoreCapabilities, Tx } from '../capabilities.ts';
import type { WorkerStatesTable } from '../schema-work.ts';

export type WorkerStateRow = Selectable<WorkerStatesTable>;

/**
 * Keeps each reported transition once: the key is (worker, time, state), so a host that
 * resends transitions after a lost answer adds nothing.
 */
export async function recordTransitions(
  trx: Tx,
  rows: readonly WorkerStateRow[],
  caps: StoreCapabilities,
): Promise<number> {
  let added = 0;
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    const result = await trx
      .insertInto('worker_states')
      .values(chunk)
      .onConflict((oc) => oc.columns(['worker_id', 'at', 'state']).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

export interface StatesQuery {
  sinceMs?: number;
  limit: number;
}

/** One worker's transitions, newest first. */
export function statesOfWorker(db: Db, workerId: string, { sinceMs, limit }: StatesQuery) {
  let query = db.selectFrom('worker_states').selectAll().where('worker_id', '=', workerId);
  if (sinceMs !== undefined) query = query.where('at', '>=', sinceMs);
  return query.orderBy('at', 'desc').orderBy('state').limit(limit).execute();
}

/** The transitions of every worker of one node, newest first. */
export function statesOfNode(db: Db, nodeId: string, { sinceMs, limit }: StatesQuery) {
  let query = db.selectFrom('worker_states').selectAll().where('node_id', '=', nodeId);
  if (sinceMs !== undefined) query = query.where('at', '>=', sinceMs);
  return query.orderBy('at', 'desc').orderBy('worker_id').orderBy('state').limit(limit).execute();
}
