import type { Kysely } from 'kysely';

/**
 * The peers' evidence per slice becomes the share of up votes (decision 0046): beside each
 * derived row's mask, per slice of its 32, how many monitors voted (`voters`) and how many
 * halves of a vote said up (`up_halves`), each as 32 comma-separated integers. Rows derived
 * before this migration keep null here and count by their mask, as they did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('peer_verdict_slices').addColumn('up_halves', 'text').execute();
  await db.schema.alterTable('peer_verdict_slices').addColumn('voters', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('peer_verdict_slices').dropColumn('voters').execute();
  await db.schema.alterTable('peer_verdict_slices').dropColumn('up_halves').execute();
}
