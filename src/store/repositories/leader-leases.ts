import type { Db, Tx } from '../capabilities.ts';
import type { LeaderLeasesTable } from '../schema-autoscaler.ts';

export type LeaderLease = LeaderLeasesTable;

/** The lease a holder got: act while `expires_at` is ahead, and pass `token` to every write. */
export interface HeldLease {
  name: string;
  holder: string;
  token: number;
  expires_at: number;
}

/**
 * Takes or renews the lease `name` for `holder` until `now + ttlMs`. A holder renewing its own
 * live lease keeps its token; taking over an expired (or released) lease, or the first one,
 * raises the token by one. Answers undefined while another holder's lease is live. Two
 * contenders racing for the same expired lease both condition their write on what they read,
 * so only one wins.
 */
export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  { now, ttlMs }: { now: number; ttlMs: number },
): Promise<HeldLease | undefined> {
  const expires_at = now + ttlMs;
  const current = await db
    .selectFrom('leader_leases')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (current === undefined) {
    const inserted = await db
      .insertInto('leader_leases')
      .values({ name, holder, token: 1, acquired_at: now, expires_at })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    return inserted === undefined ? undefined : { name, holder, token: 1, expires_at };
  }
  const token = Number(current.token);
  if (current.holder === holder && Number(current.expires_at) > now) {
    const renewed = await db
      .updateTable('leader_leases')
      .set({ expires_at })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .where('token', '=', token)
      .executeTakeFirst();
    return Number(renewed.numUpdatedRows) > 0 ? { name, holder, token, expires_at } : undefined;
  }
  if (Number(current.expires_at) > now) return undefined;
  const taken = await db
    .updateTable('leader_leases')
    .set({ holder, token: token + 1, acquired_at: now, expires_at })
    .where('name', '=', name)
    .where('token', '=', token)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0 ? { name, holder, token: token + 1, expires_at } : undefined;
}

/** Gives the lease up at once (an orderly stop), so another holder need not wait out the TTL. */
export async function releaseLease(db: Db, lease: HeldLease, now: number): Promise<void> {
  await db
    .updateTable('leader_leases')
    .set({ expires_at: now })
    .where('name', '=', lease.name)
    .where('holder', '=', lease.holder)
    .where('token', '=', lease.token)
    .execute();
}

/**
 * The fence: inside the transaction of a write, checks that `lease` is still the live one and
 * holds its row until the transaction ends (on PostgreSQL the update locks it, so a takeover
 * waits for this write to commit; SQLite runs one writer at a time). False when the lease was
 * lost: the caller must not write.
 */
export async function holdsLease(trx: Tx, lease: HeldLease, now: number): Promise<boolean> {
  const held = await trx
    .updateTable('leader_leases')
    .set({ holder: lease.holder })
    .where('name', '=', lease.name)
    .where('holder', '=', lease.holder)
    .where('token', '=', lease.token)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(held.numUpdatedRows) > 0;
}

/** The lease as stored, for status reads. */
export function getLease(db: Db, name: string): Promise<LeaderLease | undefined> {
  return db.selectFrom('leader_leases').selectAll().where('name', '=', name).executeTakeFirst();
}
