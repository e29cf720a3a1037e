import type { Kysely } from 'kysely';

/**
 * Capacity planning's history (issue 16, decision 0086): `capacity_series`, one row per scope
 * (the fleet, or a topic) per interval, to which each capacity sampling adds its readings and
 * whose arrivals are recounted from the job records while they may still change; and the
 * seed's forecast columns of `capacity_snapshots`, filled from the fleet's forecast.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('capacity_series')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('interval_s', 'integer', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('busy_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('queued_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('supply_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('live_nodes_sum', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('arrivals', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('work_slot_s', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('last_sample_at', 'bigint')
    .addPrimaryKeyConstraint('pk_capacity_series', ['scope', 'interval_s', 'bucket_start'])
    .execute();
  // Retention deletes by age across scopes.
  await db.schema
    .createIndex('ix_capacity_series_bucket')
    .on('capacity_series')
    .column('bucket_start')
    .execute();
  await db.schema.alterTable('capacity_snapshots').addColumn('forecast_capacity', 'integer').execute();
  await db.schema.alterTable('capacity_snapshots').addColumn('recommended_scaling', 'text').execute();
  await db.schema.alterTable('capacity_snapshots').addColumn('scaling_reason', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['scaling_reason', 'recommended_scaling', 'forecast_capacity'])
    await db.schema.alterTable('capacity_snapshots').dropColumn(column).execute();
  await db.schema.dropTable('capacity_series').ifExists().execute();
}
