import type { Kysely } from 'kysely';

/**
 * API keys get a scope: a `node` key acts only as the node it was created for (`node_id`), an
 * `operator` key with an `operator` acts only for the nodes registered under that operator.
 * Keys made before this have neither: a node key without a node acts for none (decision 0030).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('node_id', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('operator', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('operator').execute();
  await db.schema.alterTable('api_keys').dropColumn('node_id').execute();
}
