import type { Kysely } from 'kysely';

/**
 * The latest forecast made per capacity scope, interval and horizon, with the key of the exact
 * request it answers (decision 0090): a restarted coordinator, or a second one on the same
 * store, takes it instead of fitting the model again while its inputs are unchanged.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('capacity_forecasts')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('interval_s', 'integer', (c) => c.notNull())
    .addColumn('horizon_steps', 'integer', (c) => c.notNull())
    .addColumn('request_key', 'text', (c) => c.notNull())
    .addColumn('answer', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_capacity_forecasts', ['scope', 'interval_s', 'horizon_steps'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('capacity_forecasts').execute();
}
