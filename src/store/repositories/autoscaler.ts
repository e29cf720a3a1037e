import type { Selectable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { AutoscalerDecisionsTable, AutoscalerTargetsTable } from '../schema-autoscaler.ts';

export type AutoscalerTargetRow = Selectable<AutoscalerTargetsTable>;
export type AutoscalerDecisionRow = Selectable<AutoscalerDecisionsTable>;

/** What a tick stores of a target: the count it decided and the policies' state. */
export interface TargetTickWrite {
  name: string;
  desired: number;
  state: string;
  /** Set when the desired count changed at this tick. */
  scaledAt: number | null;
  now: number;
}

/** Every target the store knows, by name. */
export function listTargetRows(db: Db | Tx): Promise<AutoscalerTargetRow[]> {
  return db.selectFrom('autoscaler_targets').selectAll().orderBy('name').execute();
}

export function getTargetRow(db: Db | Tx, name: string): Promise<AutoscalerTargetRow | undefined> {
  return db.selectFrom('autoscaler_targets').selectAll().where('name', '=', name).executeTakeFirst();
}

/** The row of a configured target, created empty the first time it is seen. */
export async function ensureTargetRow(db: Db | Tx, name: string, now: number): Promise<AutoscalerTargetRow> {
  await db
    .insertInto('autoscaler_targets')
    .values({
      name,
      paused: null,
      min_replicas: null,
      max_replicas: null,
      desired: null,
      state: '{}',
      last_scaled_at: null,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await getTargetRow(db, name)) as AutoscalerTargetRow;
}

/** An operator's change: pause or resume, bounds (null: back to the configuration's). */
export interface TargetPatch {
  paused?: boolean | null;
  min_replicas?: number | null;
  max_replicas?: number | null;
}

export async function patchTargetRow(
  db: Db | Tx,
  name: string,
  patch: TargetPatch,
  now: number,
): Promise<void> {
  await db
    .updateTable('autoscaler_targets')
    .set({
      ...(patch.paused === undefined ? {} : { paused: patch.paused === null ? null : patch.paused ? 1 : 0 }),
      ...(patch.min_replicas === undefined ? {} : { min_replicas: patch.min_replicas }),
      ...(patch.max_replicas === undefined ? {} : { max_replicas: patch.max_replicas }),
      updated_at: now,
    })
    .where('name', '=', name)
    .execute();
}

/** Stores what a tick decided (inside the fenced transaction). */
export async function writeTargetTick(trx: Tx, write: TargetTickWrite): Promise<void> {
  await trx
    .updateTable('autoscaler_targets')
    .set({
      desired: write.desired,
      state: write.state,
      ...(write.scaledAt === null ? {} : { last_scaled_at: write.scaledAt }),
      updated_at: write.now,
    })
    .where('name', '=', write.name)
    .execute();
}

export async function insertDecision(trx: Tx, row: AutoscalerDecisionRow): Promise<void> {
  await trx.insertInto('autoscaler_decisions').values(row).execute();
}

/** Records what the deployer did for a decision already stored. */
export async function setDecisionAction(db: Db | Tx, id: string, action: string): Promise<void> {
  await db.updateTable('autoscaler_decisions').set({ action }).where('id', '=', id).execute();
}

/**
 * Decisions newest first, optionally of one target and since an instant, at most `limit`;
 * `before` (an id) pages on: ids are time-ordered (UUIDv7), so it is the last one seen.
 */
export function listDecisions(
  db: Db,
  { target, since, before, limit }: { target?: string; since?: number; before?: string; limit: number },
): Promise<AutoscalerDecisionRow[]> {
  let query = db.selectFrom('autoscaler_decisions').selectAll();
  if (target !== undefined) query = query.where('target', '=', target);
  if (since !== undefined) query = query.where('at', '>=', since);
  if (before !== undefined) query = query.where('id', '<', before);
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
