import type { VerifiedKey } from '../auth/keys.ts';
import { NotPermitted } from '../errors.ts';

/** Jobs submitted by an operator or admin without naming a tenant belong to this one. */
export const DEFAULT_TENANT = 'default';

/** A tenant key's tenant: its label, or its id when it has none. */
function tenantOfKey(key: VerifiedKey): string {
  const label = key.label?.trim();
  return label === undefined || label === '' ? key.id : label;
}

/**
 * Whose jobs a caller may see: a tenant key its own tenant's only; any other role (or an
 * anonymous read where reads are open) every tenant's, null.
 */
export function tenantScope(actor: VerifiedKey | null): string | null {
  return actor?.role === 'tenant' ? tenantOfKey(actor) : null;
}

/**
 * The tenant a call acts for. A tenant key acts for its own tenant and may not name another;
 * operators and admins name one, or act for `default`.
 */
export function actingTenant(actor: VerifiedKey | null, named: string | undefined): string {
  const own = tenantScope(actor);
  if (own === null) return named ?? DEFAULT_TENANT;
  if (named !== undefined && named !== own) {
    throw new NotPermitted(
      'forbidden',
      'Forbidden',
      `this tenant key acts for tenant ${own}; it may not name tenant ${named}`,
    );
  }
  return own;
}
