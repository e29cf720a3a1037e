import { uuidv7 } from '../../core/ids.ts';
import type { Db } from '../capabilities.ts';
import type { AuditLogTable } from '../schema.ts';

/** One mutating call, allowed or refused, for the audit log. */
export type AuditEntry = Omit<AuditLogTable, 'id' | 'detail'> & { detail: string };

/** Appends an entry to the audit log. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ id: uuidv7(entry.at), ...entry })
    .execute();
}
