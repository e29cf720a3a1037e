import { randomBytes } from 'node:crypto';
import { leasePicked, pickClaimable } from '../../store/repositories/queue-items.ts';
import type { Store } from '../../store/store.ts';
import type { ClaimRequest, Lease } from '../queue.ts';

/**
 * Leases the oldest ready items of a topic in one short transaction: pick the ids, then mark
 * them leased with a fresh token each. The pick skips rows another claim holds where the
 * database locks rows (see `pickClaimable`), so concurrent claimers never share an item.
 */
export async function claimReady(
  store: Store,
  { topic, owner, max, leaseMs, now }: ClaimRequest,
): Promise<Lease[]> {
  if (max < 1) return [];
  const leaseExpiresAt = now + leaseMs;
  return store.transaction(async (trx) => {
    const picked = await pickClaimable(trx, store.capabilities, { topic, now, max });
    if (picked.length === 0) return [];

    const tokens = new Map(picked.map((id) => [id, newLeaseToken()]));
    const rows = await leasePicked(trx, { tokens, owner, leaseExpiresAt });
    const byId = new Map<string, Lease>();
    for (const row of rows) {
      byId.set(row.id, {
        id: row.id,
        topic: row.topic,
        payload: row.payload,
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        token: tokens.get(row.id)!,
        leaseExpiresAt,
        enqueuedAt: Number(row.enqueued_at),
      });
    }
    // The rows come back in no order; hand the leases out in the order they were picked.
    return picked.flatMap((id) => byId.get(id) ?? []);
  });
}

/** Unguessable, so only the lease's holder can extend, complete or fail it. */
function newLeaseToken(): string {
  return randomBytes(16).toString('base64url');
}
