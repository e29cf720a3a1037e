import type { Selectable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { SettlementsTable } from '../schema-epochs.ts';

export type SettlementRow = Selectable<SettlementsTable>;

/**
 * Stores an epoch's settlement unless one exists; returns the row that is stored either
 * way. An epoch has one settlement for ever: the next epoch's seed is its hash.
 */
export async function storeSettlement(trx: Tx, row: SettlementRow): Promise<SettlementRow> {
  await trx
    .insertInto('settlements')
    .values(row)
    .onConflict((oc) => oc.column('epoch').doNothing())
    .execute();
  return trx.selectFrom('settlements').selectAll().where('epoch', '=', row.epoch).executeTakeFirstOrThrow();
}

export async function getSettlement(db: Db | Tx, epoch: number): Promise<SettlementRow | undefined> {
  return db.selectFrom('settlements').selectAll().where('epoch', '=', epoch).executeTakeFirst();
}

/** The most recent settlement, to notice a coordinator key that changed. */
export async function latestSettlement(db: Db | Tx): Promise<SettlementRow | undefined> {
  return db.selectFrom('settlements').selectAll().orderBy('epoch', 'desc').limit(1).executeTakeFirst();
}
