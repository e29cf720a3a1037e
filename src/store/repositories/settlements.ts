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

/** A settlement with the span of its epoch. */
export interface SettledEpochRow {
  epoch: number;
  start_ms: number;
  end_ms: number;
  hash: string;
  /** The settlement's canonical JSON, as signed. */
  document: string;
  settled_at: number;
}

/**
 * The settlements of the epochs a node was a member of (and so was settled in), newest
 * first: the member snapshot says which, one primary-key step per settlement walked.
 */
export async function settledEpochsOf(db: Db, nodeId: string, limit: number): Promise<SettledEpochRow[]> {
  return db
    .selectFrom('settlements as s')
    .innerJoin('epochs as e', 'e.epoch', 's.epoch')
    .select(['s.epoch', 'e.start_ms', 'e.end_ms', 's.hash', 's.document', 's.settled_at'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('epoch_members as m')
          .select('m.node_id')
          .whereRef('m.epoch', '=', 's.epoch')
          .where('m.node_id', '=', nodeId),
      ),
    )
    .orderBy('s.epoch', 'desc')
    .limit(limit)
    .execute();
}
