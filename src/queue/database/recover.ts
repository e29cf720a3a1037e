import { chunkKeys } from '../../store/batching.ts';
import type { Tx } from '../../store/capabilities.ts';
import type { Store } from '../../store/store.ts';
import type { RecoveredLease } from '../queue.ts';

/**
 * Ends leases that expired without complete/fail, oldest expiry first: an item with attempts
 * left is ready again at `now`, the others are dead. On PostgreSQL the expired rows are
 * locked and rows another recovery holds are skipped, so two coordinators recovering at
 * once never report the same lease twice.
 */
export async function recoverExpiredLeases(
  store: Store,
  now: number,
  limit: number,
): Promise<RecoveredLease[]> {
  if (limit < 1) return [];
  return store.transaction(async (trx) => {
    const expired = await trx
      .selectFrom('queue_items')
      .select(['id', 'topic', 'lease_owner', 'lease_token', 'attempts', 'max_attempts'])
      .where('state', '=', 'leased')
      .where('lease_expires_at', '<', now)
      // No tie-break by id: the lease index then yields rows in order, with no sort of every expired lease.
      .orderBy('lease_expires_at')
      .limit(limit)
      .$if(store.capabilities.supportsRowLocks, (qb) => qb.forUpdate().skipLocked())
      // A leased item always has its owner and token: claim sets them together.
      .$narrowType<{ lease_owner: string; lease_token: string }>()
      .execute();

    const recovered: RecoveredLease[] = expired.map((row) => ({
      id: row.id,
      topic: row.topic,
      owner: row.lease_owner,
      token: row.lease_token,
      attempts: row.attempts,
      outcome: row.attempts < row.max_attempts ? 'requeued' : 'dead',
    }));
    await requeue(trx, idsWith(recovered, 'requeued'), now);
    await bury(trx, idsWith(recovered, 'dead'), now);
    return recovered;
  });
}

function idsWith(recovered: readonly RecoveredLease[], outcome: RecoveredLease['outcome']): string[] {
  return recovered.filter((r) => r.outcome === outcome).map((r) => r.id);
}

const LEASE_CLEARED = { lease_owner: null, lease_token: null, lease_expires_at: null } as const;

async function requeue(trx: Tx, ids: readonly string[], now: number): Promise<void> {
  for (const chunk of chunkKeys(ids)) {
    await trx
      .updateTable('queue_items')
      .set({ state: 'ready', available_at: now, ...LEASE_CLEARED })
      .where('id', 'in', chunk)
      .execute();
  }
}

async function bury(trx: Tx, ids: readonly string[], now: number): Promise<void> {
  for (const chunk of chunkKeys(ids)) {
    await trx
      .updateTable('queue_items')
      .set({ state: 'dead', dead_at: now, ...LEASE_CLEARED })
      .where('id', 'in', chunk)
      .execute();
  }
}
