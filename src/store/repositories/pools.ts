import type { Selectable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { PoolsTable } from '../schema-work.ts';

export type PoolRow = Selectable<PoolsTable>;

export function listPools(db: Db): Promise<PoolRow[]> {
  return db.selectFrom('pools').selectAll().orderBy('name').execute();
}

export function getPool(db: Db | Tx, name: string): Promise<PoolRow | undefined> {
  return db.selectFrom('pools').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Creates a pool, or changes its description; says which. */
export async function savePool(
  trx: Tx,
  { name, description }: { name: string; description: string | null },
  now: number,
): Promise<'created' | 'updated'> {
  const inserted = await trx
    .insertInto('pools')
    .values({ name, description, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return 'created';
  await trx.updateTable('pools').set({ description, updated_at: now }).where('name', '=', name).execute();
  return 'updated';
}

/** Creates the named pools that do not exist yet (a host's configuration may name new ones). */
export async function ensurePools(trx: Tx, names: readonly string[], now: number): Promise<void> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return;
  await trx
    .insertInto('pools')
    .values(unique.map((name) => ({ name, description: null, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}
