import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { chunkKeys } from '../../store/batching.ts';
import type { Store } from '../../store/store.ts';
import type { ClaimRequest, Lease } from '../queue.ts';

/** Ids per UPDATE: each costs three bind parameters (the IN list and its CASE arm). */
const IDS_PER_UPDATE = 1_000;

/**
 * Leases the oldest ready items of a topic in one short transaction: pick the ids, then mark
 * them leased with a fresh token each. On PostgreSQL the pick takes row locks and skips rows
 * another claim holds, so concurrent claimers neither wait for nor share an item; SQLite's
 * single writer makes the transaction exclusive already.
 */
export async function claimReady(
  store: Store,
  { topic, owner, max, leaseMs, now }: ClaimRequest,
): Promise<Lease[]> {
  if (max < 1) return [];
  const leaseExpiresAt = now + leaseMs;
  return store.transaction(async (trx) => {
    const picked = await trx
      .selectFrom('queue_items')
      .select('id')
      .where('topic', '=', topic)
      .where('state', '=', 'ready')
      .where('available_at', '<=', now)
      .orderBy('available_at')
      .orderBy('id')
      .limit(max)
      .$if(store.capabilities.supportsRowLocks, (qb) => qb.forUpdate().skipLocked())
      .execute();
    if (picked.length === 0) return [];

    const tokens = new Map(picked.map(({ id }) => [id, newLeaseToken()]));
    const byId = new Map<string, Lease>();
    for (const ids of chunkKeys([...tokens.keys()], IDS_PER_UPDATE)) {
      const tokenOfRow = sql<string>`case id ${sql.join(
        ids.map((id) => sql`when ${id} then ${tokens.get(id)}`),
        sql` `,
      )} end`;
      const rows = await trx
        .updateTable('queue_items')
        .set({
          state: 'leased',
          attempts: sql`attempts + 1`,
          lease_owner: owner,
          lease_token: tokenOfRow,
          lease_expires_at: leaseExpiresAt,
        })
        .where('id', 'in', ids)
        .returning(['id', 'topic', 'payload', 'attempts', 'max_attempts', 'enqueued_at'])
        .execute();
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
    }
    // RETURNING promises no order; hand the leases out in the order they were picked.
    return picked.flatMap(({ id }) => byId.get(id) ?? []);
  });
}

/** Unguessable, so only the lease's holder can extend, complete or fail it. */
function newLeaseToken(): string {
  return randomBytes(16).toString('base64url');
}
