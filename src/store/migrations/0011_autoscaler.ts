import type { Kysely } from 'kysely';

/**
 * The autoscaler's records (issue 15). `leader_leases`: who may act, with a fencing token that
 * grows at every change of holder, so a paused autoscaler that wakes after losing its lease
 * cannot write (every write checks the token in its own transaction). `autoscaler_targets`:
 * per scaled target, what the operator changed (paused, bounds) and the desired count and
 * policy state the last tick stored — the deployer's replicas are read back each tick, never
 * counted here. `autoscaler_decisions`: every decision with its inputs, each policy's
 * proposal, the count chosen, why, and what the deployer did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leader_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('token', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('autoscaler_targets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // The operator's changes (PATCH): 1 or 0; bounds; null: the configuration's.
    .addColumn('paused', 'integer')
    .addColumn('min_replicas', 'integer')
    .addColumn('max_replicas', 'integer')
    .addColumn('desired', 'integer')
    // JSON: the policies' state between ticks (consecutive breaches, recent recommendations).
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_scaled_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('autoscaler_decisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('tick', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actual', 'integer', (c) => c.notNull())
    .addColumn('previous_desired', 'integer')
    .addColumn('desired', 'integer', (c) => c.notNull())
    // JSON documents: the readings, each policy's proposal, what the deployer did (or null).
    .addColumn('inputs', 'text', (c) => c.notNull())
    .addColumn('proposals', 'text', (c) => c.notNull())
    .addColumn('action', 'text')
    .execute();
  await db.schema
    .createIndex('ix_autoscaler_decisions_target_at')
    .on('autoscaler_decisions')
    .columns(['target', 'at'])
    .execute();
  await db.schema.createIndex('ix_autoscaler_decisions_at').on('autoscaler_decisions').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('autoscaler_decisions').execute();
  await db.schema.dropTable('autoscaler_targets').execute();
  await db.schema.dropTable('leader_leases').execute();
}
