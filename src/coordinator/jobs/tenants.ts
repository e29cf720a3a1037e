import type { Db } from '../../store/capabilities.ts';
import type { VerifiedKey } from '../auth/keys.ts';
import { ProblemError } from '../http/problem.ts';

/** Jobs submitted by an operator or admin without naming a tenant belong to this one. */
export const DEFAULT_TENANT = 'default';

/** A tenant key's tenant: its label, or its id when it has none. */
async function tenantOfKey(db: Db, key: VerifiedKey): Promise<string> {
  const row = await db.selectFrom('api_keys').select('label').where('id', '=', key.id).executeTakeFirst();
  const label = row?.label?.trim();
  return label === undefined || label === '' ? key.id : label;
}

/**
 * Whose jobs a caller may see: a tenant key its own tenant's only; any other role (or an
 * anonymous read where reads are open) every tenant's, null.
 */
export async function tenantScope(db: Db, actor: VerifiedKey | null): Promise<string | null> {
  return actor?.role === 'tenant' ? tenantOfKey(db, actor) : null;
}

/**
 * The tenant a call acts for. A tenant key acts for its own tenant and may not name another;
 * operators and admins name one, or act for `default`.
 */
export async function actingTenant(
  db: Db,
  actor: VerifiedKey | null,
  named: string | undefined,
): Promise<string> {
  const own = await tenantScope(db, actor);
  if (own === null) return named ?? DEFAULT_TENANT;
  if (named !== undefined && named !== own) {
    throw new ProblemError(
      403,
      'forbidden',
      'Forbidden',
      `this tenant key acts for tenant ${own}; it may not name tenant ${named}`,
    );
  }
  return own;
}
