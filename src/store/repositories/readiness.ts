import type { Db } from '../capabilities.ts';

const PROBE = 'coordinator.readiness';

/**
 * A small real write (one row of `watermarks`, upserted): readiness asks whether the store
 * takes writes, which a `select 1` cannot tell on a read-only or locked database.
 */
export async function probeWrite(db: Db, now: number): Promise<void> {
  await db
    .insertInto('watermarks')
    .values({ name: PROBE, position: String(now), updated_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position: String(now), updated_at: now }))
    .execute();
}
