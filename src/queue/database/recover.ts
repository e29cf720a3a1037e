import { buryItems, pickExpired, requeueItems } from '../../store/repositories/queue-items.ts';
import type { Store } from '../../store/store.ts';
import type { RecoveredLease } from '../queue.ts';

/**
 * Ends leases that expired without complete/fail, oldest expiry first: an item with attempts
 * left is ready again at `now`, the others are dead. The pick skips leases another recovery
 * holds where the database locks rows (see `pickExpired`), so two coordinators recovering at
 * once never report the same lease twice.
 */
export async function recoverExpiredLeases(
  store: Store,
  now: number,
  limit: number,
): Promise<RecoveredLease[]> {
  if (limit < 1) return [];
  return store.transaction(async (trx) => {
    const expired = await pickExpired(trx, store.capabilities, { now, limit });
    const recovered: RecoveredLease[] = expired.map((row) => ({
      id: row.id,
      topic: row.topic,
      owner: row.lease_owner,
      token: row.lease_token,
      attempts: row.attempts,
      outcome: row.attempts < row.max_attempts ? 'requeued' : 'dead',
    }));
    await requeueItems(trx, idsWith(recovered, 'requeued'), now);
    await buryItems(trx, idsWith(recovered, 'dead'), now);
    return recovered;
  });
}

function idsWith(recovered: readonly RecoveredLease[], outcome: RecoveredLease['outcome']): string[] {
  return recovered.filter((r) => r.outcome === outcome).map((r) => r.id);
}
