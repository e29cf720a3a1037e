import type { Db } from '../capabilities.ts';
import type { WebSessionsTable } from '../schema.ts';
import type { ActiveKey } from './api-keys.ts';

export type WebSessionRow = WebSessionsTable;

/** Stores a new session or sign-in link, by its token's hash. */
export async function insertWebSession(db: Db, row: Omit<WebSessionRow, 'ended_at'>): Promise<void> {
  await db
    .insertInto('web_sessions')
    .values({ ...row, ended_at: null })
    .execute();
}

/**
 * The key a live session acts with: the session is of this kind, neither ended nor expired,
 * and its key is not revoked (revoking a key ends its sessions). Undefined otherwise.
 */
export async function findSessionKey(
  db: Db,
  tokenHash: string,
  kind: WebSessionRow['kind'],
  now: number,
): Promise<(ActiveKey & { expires_at: number }) | undefined> {
  return db
    .selectFrom('web_sessions as s')
    .innerJoin('api_keys as k', 'k.id', 's.key_id')
    .select(['k.id', 'k.prefix', 'k.role', 'k.label', 'k.node_id', 'k.operator', 's.expires_at'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.kind', '=', kind)
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Ends a session or uses up a link, once: true only for the call that ended it, so two
 * browsers racing with the same one-time link cannot both get in.
 */
export async function endWebSession(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('web_sessions')
    .set({ ended_at: now })
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
