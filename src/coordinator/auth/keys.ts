import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from '../../core/ids.ts';
import type { Db } from '../../store/capabilities.ts';
import { type ActiveKey, findActiveKey, insertApiKey } from '../../store/repositories/api-keys.ts';
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

/**
 * Whom a key acts for: a `node` key must name its node, and acts only as that node; an
 * `operator` key may name an operator, and then acts only for that operator's nodes.
 */
export interface KeyScope {
  node_id?: string | null;
  operator?: string | null;
}

/** Why a role and a scope do not go together; null when they do. */
export function scopeProblem(role: Role, { node_id = null, operator = null }: KeyScope): string | null {
  if (role === 'node' && node_id === null) return 'a node key acts as one node: name it (--node <node-id>)';
  if (role !== 'node' && node_id !== null) return `only a node key names a node, not a ${role} key`;
  if (role !== 'operator' && operator !== null)
    return `only an operator key names an operator, not a ${role} key`;
  return null;
}

/** Creates a key; only its hash is stored, so the key itself is shown once, here. */
export async function createApiKey(
  db: Db,
  role: Role,
  label: string | null,
  now = Date.now(),
  scope: KeyScope = {},
): Promise<CreatedKey> {
  const problem = scopeProblem(role, scope);
  if (problem !== null) throw new Error(problem);
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const id = uuidv7(now);
  const prefix = key.slice(0, 12);
  await insertApiKey(db, {
    id,
    key_hash: hashKey(key),
    prefix,
    role,
    label,
    node_id: scope.node_id ?? null,
    operator: scope.operator ?? null,
    created_at: now,
  });
  return { id, key, prefix, role };
}

/**
 * A key as a request's check sees it: its label is a tenant key's tenant id (see
 * coordinator/jobs/tenants.ts); `node_id` is the node a node key acts as (null for one made
 * before keys had scopes: it acts for none); `operator` the operator whose nodes an operator
 * key acts for (null: every node).
 */
export type VerifiedKey = ActiveKey;

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
    const verified = row ?? null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { key: verified, expires: now() + ttlMs });
    return verified;
  };
}
