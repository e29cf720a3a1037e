import type { Db } from '../../store/capabilities.ts';
import { buryHeld, retryHeld } from '../../store/repositories/queue-items.ts';
import type { FailResult } from '../queue.ts';

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
  if (retryAt !== null && (await retryHeld(db, { id, token, availableAt: retryAt })))
    return { kind: 'retrying', availableAt: retryAt };
  return (await buryHeld(db, { id, token, deadAt: now })) ? { kind: 'dead' } : { kind: 'lost' };
}
