import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import { chunkForBinds, chunkKeys } from '../batching.ts';
import type { Db, StoreCapabilities, Tx } from '../capabilities.ts';
import type { QueueItemsTable } from '../schema-work.ts';

/*
 * The in-database queue's table (src/queue/database/ keeps the queue's logic). An item is
 * ready, leased or dead. A lease's holder is whoever knows its token: statements on a held
 * item are conditional on (state = 'leased', lease_token), and the token is cleared whenever
 * the item leaves the leased state, so a stale holder changes nothing.
 */

export type QueueItemRow = Selectable<QueueItemsTable>;

/** What a new item brings; it is stored as ready, enqueued at the time of the insert. */
export type NewQueueItem = Pick<
  QueueItemsTable,
  'id' | 'topic' | 'payload' | 'attempts' | 'max_attempts' | 'available_at'
>;

/** Rows for one INSERT, made by `readyRowBatches`. */
export type ReadyRowBatch = readonly Insertable<QueueItemsTable>[];

const LEASE_CLEARED = { lease_owner: null, lease_token: null, lease_expires_at: null } as const;

/** New items as ready rows, in batches that each fit one INSERT under the bind-parameter limit. */
export function readyRowBatches(
  items: readonly NewQueueItem[],
  now: number,
  caps: StoreCapabilities,
): ReadyRowBatch[] {
  const rows = items.map((item) => ({
    id: item.id,
    topic: item.topic,
    payload: item.payload,
    state: 'ready' as const,
    attempts: item.attempts,
    max_attempts: item.max_attempts,
    enqueued_at: now,
    available_at: item.available_at,
  }));
  return chunkForBinds(rows, caps.maxBindParameters);
}

/**
 * Inserts one batch in one statement, leaving any id already present (in whatever state) as
 * it is; returns how many it added.
 */
export async function insertReadyRows(db: Db | Tx, batch: ReadyRowBatch): Promise<number> {
  if (batch.length === 0) return 0;
  const result = await db
    .insertInto('queue_items')
    .values(batch)
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Ids of up to `max` ready items of a topic claimable at `now`, oldest `available_at` first
 * (ties by id). Where the database has row locks the rows are locked until the transaction
 * ends and rows another transaction holds are skipped, so concurrent claimers neither wait
 * for nor share an item; SQLite's single writer makes the transaction exclusive already.
 */
export async function pickClaimable(
  trx: Tx,
  caps: StoreCapabilities,
  { topic, now, max }: { topic: string; now: number; max: number },
): Promise<string[]> {
  const rows = await trx
    .selectFrom('queue_items')
    .select('id')
    .where('topic', '=', topic)
    .where('state', '=', 'ready')
    .where('available_at', '<=', now)
    .orderBy('available_at')
    .orderBy('id')
    .limit(max)
    .$if(caps.supportsRowLocks, (qb) => qb.forUpdate().skipLocked())
    .execute();
  return rows.map((row) => row.id);
}

/** Ids per UPDATE of `leasePicked`: each costs three bind parameters (the IN list and its CASE arm). */
const IDS_PER_LEASE_UPDATE = 1_000;

export type LeasedItemRow = Pick<
  QueueItemRow,
  'id' | 'topic' | 'payload' | 'attempts' | 'max_attempts' | 'enqueued_at'
>;

/**
 * Marks picked items leased to `owner` until `leaseExpiresAt`, each with its own token (the
 * map's keys are the ids), and counts the attempt. Returns the leased rows in no particular
 * order (RETURNING promises none).
 */
export async function leasePicked(
  trx: Tx,
  {
    tokens,
    owner,
    leaseExpiresAt,
  }: { tokens: ReadonlyMap<string, string>; owner: string; leaseExpiresAt: number },
): Promise<LeasedItemRow[]> {
  const leased: LeasedItemRow[] = [];
  for (const ids of chunkKeys([...tokens.keys()], IDS_PER_LEASE_UPDATE)) {
    const rows = await trx
      .updateTable('queue_items')
      .set({
        state: 'leased',
        attempts: sql`attempts + 1`,
        lease_owner: owner,
        lease_token: tokenOfRow(ids.map((id) => ({ id, token: tokens.get(id)! }))),
        lease_expires_at: leaseExpiresAt,
      })
      .where('id', 'in', ids)
      .returning(['id', 'topic', 'payload', 'attempts', 'max_attempts', 'enqueued_at'])
      .execute();
    leased.push(...rows);
  }
  return leased;
}

/** Pushes a held lease's end to `leaseExpiresAt`; false when the token no longer holds the item. */
export async function extendHeldLease(
  db: Db | Tx,
  { id, token, leaseExpiresAt }: { id: string; token: string; leaseExpiresAt: number },
): Promise<boolean> {
  return updateHeld(db, { id, token }, { lease_expires_at: leaseExpiresAt });
}

/**
 * Makes a held item ready again from `availableAt` if it has attempts left; false when it has
 * none or the token no longer holds it.
 */
export async function retryHeld(
  db: Db | Tx,
  { id, token, availableAt }: { id: string; token: string; availableAt: number },
): Promise<boolean> {
  return updateHeld(
    db,
    { id, token },
    { state: 'ready', available_at: availableAt, ...LEASE_CLEARED },
    { onlyWithAttemptsLeft: true },
  );
}

/** Moves a held item to the dead letters; false when the token no longer holds it. */
export async function buryHeld(
  db: Db | Tx,
  { id, token, deadAt }: { id: string; token: string; deadAt: number },
): Promise<boolean> {
  return updateHeld(db, { id, token }, { state: 'dead', dead_at: deadAt, ...LEASE_CLEARED });
}

/** One conditional UPDATE of an item its token still holds; false when it holds it no more. */
async function updateHeld(
  db: Db | Tx,
  { id, token }: { id: string; token: string },
  values: Updateable<QueueItemsTable>,
  { onlyWithAttemptsLeft = false }: { onlyWithAttemptsLeft?: boolean } = {},
): Promise<boolean> {
  const result = await db
    .updateTable('queue_items')
    .set(values)
    .where('id', '=', id)
    .where('state', '=', 'leased')
    .where('lease_token', '=', token)
    .$if(onlyWithAttemptsLeft, (qb) => qb.whereRef('attempts', '<', 'max_attempts'))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Held items per DELETE of `deleteHeld`: each costs three bind parameters (the IN list and its CASE arm). */
export const HELD_ITEMS_PER_DELETE = 500;

/**
 * Deletes, in one statement, the items each token still holds; returns their ids. The ids
 * must be distinct and at most HELD_ITEMS_PER_DELETE.
 */
export async function deleteHeld(
  db: Db | Tx,
  held: readonly { id: string; token: string }[],
): Promise<Set<string>> {
  if (held.length === 0) return new Set();
  const ids = held.map((h) => h.id);
  const rows = await db
    .deleteFrom('queue_items')
    .where('id', 'in', ids)
    .where('state', '=', 'leased')
    .where('lease_token', '=', tokenOfRow(held))
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** `case id when … then <token> … end`: each row's own token in one statement. */
function tokenOfRow(held: readonly { id: string; token: string }[]) {
  return sql<string>`case id ${sql.join(
    held.map(({ id, token }) => sql`when ${id} then ${token}`),
    sql` `,
  )} end`;
}

/** Removes an item whatever its state; false when there was none. */
export async function deleteItem(db: Db | Tx, id: string): Promise<boolean> {
  const result = await db.deleteFrom('queue_items').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A lease that ended without complete/fail. */
export type ExpiredLeaseRow = Pick<QueueItemRow, 'id' | 'topic' | 'attempts' | 'max_attempts'> & {
  lease_owner: string;
  lease_token: string;
};

/**
 * Up to `limit` leases that expired before `now`, oldest expiry first. Where the database has
 * row locks the rows are locked until the transaction ends and rows another transaction
 * holds are skipped, so two recoveries at once never see the same lease.
 */
export async function pickExpired(
  trx: Tx,
  caps: StoreCapabilities,
  { now, limit }: { now: number; limit: number },
): Promise<ExpiredLeaseRow[]> {
  const expired = await trx
    .selectFrom('queue_items')
    .select(['id', 'topic', 'lease_owner', 'lease_token', 'attempts', 'max_attempts'])
    .where('state', '=', 'leased')
    .where('lease_expires_at', '<', now)
    // No tie-break by id: the lease index then yields rows in order, with no sort of every expired lease.
    .orderBy('lease_expires_at')
    .limit(limit)
    .$if(caps.supportsRowLocks, (qb) => qb.forUpdate().skipLocked())
    // Claim sets the owner and token together with the leased state.
    .$narrowType<{ lease_owner: string; lease_token: string }>()
    .execute();
  return expired;
}

/** Makes these items ready again at `now`, whatever lease they had. */
export async function requeueItems(db: Db | Tx, ids: readonly string[], now: number): Promise<void> {
  await updateItems(db, ids, { state: 'ready', available_at: now, ...LEASE_CLEARED });
}

/** Moves these items to the dead letters at `now`, whatever lease they had. */
export async function buryItems(db: Db | Tx, ids: readonly string[], now: number): Promise<void> {
  await updateItems(db, ids, { state: 'dead', dead_at: now, ...LEASE_CLEARED });
}

/** Sets the same values on these items, a chunk of ids per statement. */
async function updateItems(
  db: Db | Tx,
  ids: readonly string[],
  values: Updateable<QueueItemsTable>,
): Promise<void> {
  for (const chunk of chunkKeys(ids)) {
    await db.updateTable('queue_items').set(values).where('id', 'in', chunk).execute();
  }
}

/** Which of these ids the table holds, in any state. */
export async function presentIds(db: Db | Tx, ids: readonly string[]): Promise<Set<string>> {
  const present = new Set<string>();
  for (const chunk of chunkKeys([...new Set(ids)])) {
    const rows = await db.selectFrom('queue_items').select('id').where('id', 'in', chunk).execute();
    for (const row of rows) present.add(row.id);
  }
  return present;
}

/**
 * Counts per topic by state, with how many ready items are claimable at `now` and the
 * oldest of those's `available_at` (null when none). One grouped pass over the table (or the
 * claim index, which holds every column it reads): affordable per metrics scrape or topic
 * view, not per claim.
 */
export async function countByTopic(db: Db | Tx, now: number) {
  const readyNow = sql`state = 'ready' and available_at <= ${now}`;
  const rows = await db
    .selectFrom('queue_items')
    .select([
      'topic',
      sql<number | string>`sum(case when state = 'ready' then 1 else 0 end)`.as('ready'),
      sql<number | string>`sum(case when ${readyNow} then 1 else 0 end)`.as('ready_now'),
      sql<number | string>`sum(case when state = 'leased' then 1 else 0 end)`.as('leased'),
      sql<number | string>`sum(case when state = 'dead' then 1 else 0 end)`.as('dead'),
      sql<number | string | null>`min(case when ${readyNow} then available_at end)`.as('oldest_ready_at'),
    ])
    .groupBy('topic')
    .orderBy('topic')
    .execute();
  return rows.map((row) => ({
    topic: row.topic,
    ready: Number(row.ready),
    readyNow: Number(row.ready_now),
    leased: Number(row.leased),
    dead: Number(row.dead),
    oldestReadyAt: row.oldest_ready_at === null ? null : Number(row.oldest_ready_at),
  }));
}

/** A topic's dead items, the most recently dead first. */
export async function deadItems(db: Db | Tx, topic: string, limit: number) {
  if (limit < 1) return [];
  const rows = await db
    .selectFrom('queue_items')
    .select(['id', 'topic', 'attempts', 'dead_at'])
    .where('topic', '=', topic)
    .where('state', '=', 'dead')
    .orderBy('dead_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    topic: row.topic,
    attempts: row.attempts,
    deadAt: Number(row.dead_at),
  }));
}
