import type { Kysely } from 'kysely';

/**
 * SLA uptime takes the median across monitors, as settlement does (decision 0053): each
 * derived row keeps its monitors' own bits (`monitor_votes`, JSON) instead of the per-slice
 * vote counts of 0007, which cannot say which monitor voted what. Rows derived before this
 * migration keep null and count by their mask until they leave the uptime window.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('peer_verdict_slices').addColumn('monitor_votes', 'text').execute();
  await db.schema.alterTable('peer_verdict_slices').dropColumn('voters').execute();
  await db.schema.alterTable('peer_verdict_slices').dropColumn('up_halves').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('peer_verdict_slices').addColumn('up_halves', 'text').execute();
  await db.schema.alterTable('peer_verdict_slices').addColumn('voters', 'text').execute();
  await db.schema.alterTable('peer_verdict_slices').dropColumn('monitor_votes').execute();
}
