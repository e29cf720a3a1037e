import type { Db } from '../capabilities.ts';
import type { ApiKeysTable } from '../schema.ts';

/** A key as stored: its hash, never the key itself. */
export type ApiKeyRow = ApiKeysTable;

/** Stores a new key (by its hash). The only writer of new keys: the API and the CLI both come here. */
export async function insertApiKey(db: Db, row: Omit<ApiKeyRow, 'revoked_at'>): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({ ...row, revoked_at: null })
    .execute();
}

/** What a request's key check needs of a key: who it is, its role and whom it acts for. */
const VERIFIED_COLUMNS = ['id', 'prefix', 'role', 'label', 'node_id', 'operator'] as const;
export type ActiveKey = Pick<ApiKeyRow, (typeof VERIFIED_COLUMNS)[number]>;

/** The unrevoked key with this hash, if any. */
export async function findActiveKey(db: Db, keyHash: string): Promise<ActiveKey | undefined> {
  return db
    .selectFrom('api_keys')
    .select(VERIFIED_COLUMNS)
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Every key, oldest first. */
export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
}

/** Revokes the active key with this id or prefix; false when there is none. */
export async function revokeApiKey(db: Db, idOrPrefix: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every active key with this label; returns how many. */
export async function revokeKeysLabelled(db: Db, label: string, now: number): Promise<number> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('label', '=', label)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
