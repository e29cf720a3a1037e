import type { Selectable } from 'kysely';
import { isPublicKeyText } from '../../core/crypto/ed25519.ts';
import { compareCodeUnits } from '../../core/reports/summarize.ts';
import { chunkForBinds } from '../batching.ts';
import type { Db, StoreCapabilities, Tx } from '../capabilities.ts';
import type { EpochsTable } from '../schema-epochs.ts';

export type EpochRow = Selectable<EpochsTable>;

/** A member of an epoch: its id and the key it had when the epoch started. */
export interface EpochMember {
  node_id: string;
  public_key: string;
}

/** A member with where to reach it now (a node that moves mid-epoch is still found). */
export interface EpochMemberContact extends EpochMember {
  endpoint: string | null;
  agent_url: string | null;
}

export async function getEpoch(db: Db | Tx, epoch: number): Promise<EpochRow | undefined> {
  return db.selectFrom('epochs').selectAll().where('epoch', '=', epoch).executeTakeFirst();
}

/** The first and last epochs recorded, or null before any. */
export async function recordedRange(db: Db | Tx): Promise<{ first: number; last: number } | null> {
  const row = await db
    .selectFrom('epochs')
    .select((eb) => [eb.fn.min('epoch').as('first'), eb.fn.max('epoch').as('last')])
    .executeTakeFirst();
  if (row?.first == null || row.last == null) return null;
  return { first: Number(row.first), last: Number(row.last) };
}

export async function insertEpochs(
  trx: Tx,
  rows: readonly EpochRow[],
  caps: StoreCapabilities,
): Promise<void> {
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('epochs')
      .values(chunk)
      .onConflict((oc) => oc.column('epoch').doNothing())
      .execute();
  }
}

/** Epochs that have started and have no member snapshot yet, oldest first. */
export async function epochsAwaitingMembers(trx: Tx, now: number, limit: number): Promise<EpochRow[]> {
  return trx
    .selectFrom('epochs')
    .selectAll()
    .where('members_taken_at', 'is', null)
    .where('start_ms', '<=', now)
    .orderBy('epoch')
    .limit(limit)
    .execute();
}

/**
 * The nodes that were active at `atMs` with a usable public key: registered at or before it
 * and not deregistered by then. The registry keeps deregistered nodes, so a snapshot taken
 * late (after a coordinator downtime) finds the same nodes one taken on time would have.
 */
export async function nodesActiveAt(db: Db | Tx, atMs: number): Promise<EpochMember[]> {
  const rows = await db
    .selectFrom('nodes')
    .select(['node_id', 'public_key'])
    .where('registered_at', '<=', atMs)
    .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '>', atMs)]))
    .where('public_key', 'is not', null)
    .execute();
  return rows
    .filter((r): r is EpochMember => isPublicKeyText(r.public_key))
    .sort((a, b) => compareCodeUnits(a.node_id, b.node_id));
}

/** Stores an epoch's members and marks the snapshot taken, with the group size in force. */
export async function storeMembers(
  trx: Tx,
  epoch: number,
  members: readonly EpochMember[],
  { groupSize, takenAt, caps }: { groupSize: number; takenAt: number; caps: StoreCapabilities },
): Promise<void> {
  const rows = members.map((m) => ({ epoch, node_id: m.node_id, public_key: m.public_key }));
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('epoch_members')
      .values(chunk)
      .onConflict((oc) => oc.columns(['epoch', 'node_id']).doNothing())
      .execute();
  }
  await trx
    .updateTable('epochs')
    .set({ members_taken_at: takenAt, group_size: groupSize })
    .where('epoch', '=', epoch)
    .where('members_taken_at', 'is', null)
    .execute();
}

/** An epoch's members sorted by node id (UTF-16 code units, as assignments and settlements sort). */
export async function epochMembers(db: Db | Tx, epoch: number): Promise<EpochMember[]> {
  const rows = await db
    .selectFrom('epoch_members')
    .select(['node_id', 'public_key'])
    .where('epoch', '=', epoch)
    .execute();
  return rows.sort((a, b) => compareCodeUnits(a.node_id, b.node_id));
}

export async function epochMemberCount(db: Db | Tx, epoch: number): Promise<number> {
  const row = await db
    .selectFrom('epoch_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('epoch', '=', epoch)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Members with their current endpoint and agent URL, sorted by node id. */
export async function epochMemberContacts(db: Db | Tx, epoch: number): Promise<EpochMemberContact[]> {
  const rows = await db
    .selectFrom('epoch_members')
    .leftJoin('nodes', 'nodes.node_id', 'epoch_members.node_id')
    .select(['epoch_members.node_id', 'epoch_members.public_key', 'nodes.endpoint', 'nodes.agent_url'])
    .where('epoch_members.epoch', '=', epoch)
    .execute();
  return rows
    .map((r) => ({ ...r, endpoint: r.endpoint ?? null, agent_url: r.agent_url ?? null }))
    .sort((a, b) => compareCodeUnits(a.node_id, b.node_id));
}

/** Epochs whose report window has closed and that are not settled yet, oldest first. */
export async function epochsDueForSettlement(trx: Tx, now: number, limit: number): Promise<EpochRow[]> {
  return trx
    .selectFrom('epochs')
    .selectAll()
    .where('settled_at', 'is', null)
    .where('report_window_end_ms', '<=', now)
    .orderBy('epoch')
    .limit(limit)
    .execute();
}

/** Records an epoch's settlement hash; a settled epoch is never touched again. */
export async function markSettled(trx: Tx, epoch: number, hash: string, at: number): Promise<void> {
  await trx
    .updateTable('epochs')
    .set({ settled_at: at, settlement_hash: hash })
    .where('epoch', '=', epoch)
    .where('settled_at', 'is', null)
    .execute();
}

/** Publishes an epoch's previous settlement hash and seed, once. */
export async function setSeed(
  trx: Tx,
  epoch: number,
  previousSettlementHash: string,
  seed: string,
): Promise<void> {
  await trx
    .updateTable('epochs')
    .set({ previous_settlement_hash: previousSettlementHash, seed })
    .where('epoch', '=', epoch)
    .where('seed', 'is', null)
    .execute();
}

/** Every recorded epoch's span, in order: what the epoch schedule laid out when it was recorded. */
export async function recordedSpans(
  db: Db | Tx,
): Promise<Array<{ epoch: number; start_ms: number; end_ms: number }>> {
  return db.selectFrom('epochs').select(['epoch', 'start_ms', 'end_ms']).orderBy('epoch').execute();
}
