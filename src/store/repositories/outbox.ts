import { uuidv7 } from '../../core/ids.ts';
import type { Db, Tx } from '../capabilities.ts';
import type { OutboxTable } from '../schema-outbox.ts';

/** A body to deliver to a channel; the dispatcher finds where the channel is at send time. */
export interface NewDelivery {
  channel: string;
  payload: string;
}

/** A pending delivery whose time has come, as a dispatcher reads it. */
export interface DueDelivery {
  id: string;
  channel: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
}

/**
 * Writes deliveries of a stream (`alerts`, ...), due at once, inside the caller's transaction:
 * they exist exactly when what they speak of does. Returns their ids in order.
 */
export async function enqueueDeliveries(
  trx: Db | Tx,
  stream: string,
  deliveries: readonly NewDelivery[],
  now: number,
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const rows = deliveries.map(({ channel, payload }) => ({
    id: uuidv7(now),
    stream,
    channel,
    payload,
    state: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
    delivered_at: null,
  }));
  await trx.insertInto('outbox').values(rows).execute();
  return rows.map((r) => r.id);
}

/** The pending deliveries of one channel, for a stream whose newer rows supersede older ones. */
export async function pendingDeliveries(
  trx: Db | Tx,
  stream: string,
  channel: string,
): Promise<Array<{ id: string; payload: string; created_at: number }>> {
  return trx
    .selectFrom('outbox')
    .select(['id', 'payload', 'created_at'])
    .where('stream', '=', stream)
    .where('channel', '=', channel)
    .where('state', '=', 'pending')
    .execute();
}

/** Deletes deliveries that are still pending; one already settled stays. */
export async function deletePendingDeliveries(trx: Db | Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .deleteFrom('outbox')
    .where('id', 'in', [...ids])
    .where('state', '=', 'pending')
    .execute();
}

/**
 * Up to `limit` pending deliveries of a stream that are due, oldest first (by creation, not by
 * due time: a retried row goes before later news for the same receiver).
 */
export async function dueDeliveries(
  db: Db,
  stream: string,
  now: number,
  limit: number,
): Promise<DueDelivery[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'channel', 'payload', 'attempts', 'next_attempt_at'])
    .where('stream', '=', stream)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Takes a due delivery for one attempt: counts the attempt and moves its due time to the end
 * of a lease, on the condition that nobody moved it since it was read. Of two dispatchers on
 * one database exactly one succeeds; a dispatcher that dies mid-send leaves the row to be
 * taken again after the lease. False when another had it.
 */
export async function claimDelivery(db: Db, row: DueDelivery, leaseUntil: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ attempts: row.attempts + 1, next_attempt_at: leaseUntil })
    .where('id', '=', row.id)
    .where('state', '=', 'pending')
    .where('attempts', '=', row.attempts)
    .where('next_attempt_at', '=', row.next_attempt_at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** How an attempt ended: delivered, failed for good, or due again later. */
export type DeliverySettlement =
  | { state: 'delivered'; delivered_at: number; last_error: null }
  | { state: 'failed'; last_error: string }
  | { next_attempt_at: number; last_error: string };

/**
 * Records how a claimed attempt ended, if the row is still as the claim left it. False when
 * the lease ran out and another dispatcher took it, or a newer row superseded it.
 */
export async function settleDelivery(
  db: Db,
  claimed: { id: string; attempts: number; leaseUntil: number },
  settlement: DeliverySettlement,
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set(settlement)
    .where('id', '=', claimed.id)
    .where('state', '=', 'pending')
    .where('attempts', '=', claimed.attempts)
    .where('next_attempt_at', '=', claimed.leaseUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A delivery as tests and operators inspect it. */
export type DeliveryRow = OutboxTable;

/** Every delivery of a stream, oldest first. */
export async function listDeliveries(db: Db, stream: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('stream', '=', stream)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Where a consumer last got to; null before it first moved. */
export async function readWatermark(db: Db | Tx, name: string): Promise<string | null> {
  const row = await db
    .selectFrom('watermarks')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.position ?? null;
}

/**
 * Moves a watermark from `expected` (null: never set) to `next`, on the condition that it is
 * still at `expected`: of two consumers that read the same position, exactly one advances it,
 * and the other knows its work may be a repeat. False when it had moved.
 */
export async function advanceWatermark(
  trx: Db | Tx,
  name: string,
  expected: string | null,
  next: string,
  now: number,
): Promise<boolean> {
  if (expected === null) {
    const inserted = await trx
      .insertInto('watermarks')
      .values({ name, position: next, updated_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const updated = await trx
    .updateTable('watermarks')
    .set({ position: next, updated_at: now })
    .where('name', '=', name)
    .where('position', '=', expected)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
