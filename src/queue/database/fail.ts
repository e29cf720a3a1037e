import type { Db } from '../../store/capabilities.ts';
import type { FailResult } from '../queue.ts';

/*
 * What a lease's holder may do with it. Every statement is conditional on the token: the
 * token is cleared whenever an item leaves the leased state, so a stale holder (its lease
 * expired and was recovered, or the item was re-claimed) changes nothing.
 */

const LEASE_CLEARED = { lease_owner: null, lease_token: null, lease_expires_at: null } as const;

/** Pushes the lease's end to `now + leaseMs`; false when the token no longer holds the item. */
export async function extendLease(
  db: Db,
  id: string,
  token: string,
  leaseMs: number,
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('queue_items')
    .set({ lease_expires_at: now + leaseMs })
    .where('id', '=', id)
    .where('state', '=', 'leased')
    .where('lease_token', '=', token)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Retries the item from `retryAt` while it has attempts left, else moves it to the dead
 * letters. Two conditional statements instead of a read and a write: each is atomic on its
 * own, and if the item changes hands between them the second matches nothing (`lost`).
 */
export async function failLease(
  db: Db,
  id: string,
  token: string,
  { retryAt, now }: { retryAt: number | null; now: number },
): Promise<FailResult> {
  if (retryAt !== null) {
    const retried = await db
      .updateTable('queue_items')
      .set({ state: 'ready', available_at: retryAt, ...LEASE_CLEARED })
      .where('id', '=', id)
      .where('state', '=', 'leased')
      .where('lease_token', '=', token)
      .whereRef('attempts', '<', 'max_attempts')
      .executeTakeFirst();
    if (retried.numUpdatedRows > 0n) return { kind: 'retrying', availableAt: retryAt };
  }
  const killed = await db
    .updateTable('queue_items')
    .set({ state: 'dead', dead_at: now, ...LEASE_CLEARED })
    .where('id', '=', id)
    .where('state', '=', 'leased')
    .where('lease_token', '=', token)
    .executeTakeFirst();
  return killed.numUpdatedRows > 0n ? { kind: 'dead' } : { kind: 'lost' };
}
