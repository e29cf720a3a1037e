import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from '../../core/ids.ts';
import type { Db } from '../../store/capabilities.ts';
import { findActiveKey, insertApiKey } from '../../store/repositories/api-keys.ts';
import type { Role } from '../../store/schema.ts';

export const ROLES: readonly Role[] = ['admin', 'operator', 'node', 'tenant', 'read'];

/** Keys carry a recognisable prefix so a leaked one is easy to spot in logs and scanners. */
const KEY_PREFIX = 'vgl_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  role: Role;
}

/** Creates a key; only its hash is stored, so the key itself is shown once, here. */
export async function createApiKey(
  db: Db,
  role: Role,
  label: string | null,
  now = Date.now(),
): Promise<CreatedKey> {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const id = uuidv7(now);
  const prefix = key.slice(0, 12);
  await insertApiKey(db, { id, key_hash: hashKey(key), prefix, role, label, created_at: now });
  return { id, key, prefix, role };
}

export interface VerifiedKey {
  id: string;
  prefix: string;
  role: Role;
  /** The key's label: a tenant key's tenant id (see coordinator/jobs/tenants.ts). */
  label: string | null;
}

/**
 * Looks keys up by hash with a short-lived cache: ingestion runs thousands of requests a
 * second with the same few keys. A revoked key stops working within `ttlMs`.
 */
export function createKeyVerifier(db: Db, { ttlMs, now = Date.now }: { ttlMs: number; now?: () => number }) {
  const cache = new Map<string, { key: VerifiedKey | null; expires: number }>();
  return async function verify(key: string): Promise<VerifiedKey | null> {
    const hash = hashKey(key);
    const hit = cache.get(hash);
    if (hit !== undefined && hit.expires > now()) return hit.key;
    const row = await findActiveKey(db, hash);
    const verified =
      row === undefined ? null : { id: row.id, prefix: row.prefix, role: row.role, label: row.label };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { key: verified, expires: now() + ttlMs });
    return verified;
  };
}
