import { type Kysely, sql } from 'kysely';

/**
 * Capacity alerts (issue 16). `capacity_alert_settings`: the one row operators set through
 * the API (threshold, e-mail address, webhooks); absent until the first change, and a null
 * threshold falls back to the configuration. `capacity_alerts`: each capacity alert from when
 * it fired to when it resolved, so a collection knows what is open and never fires it twice.
 * (0012 belongs to a change made beside this one.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('capacity_alert_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('threshold_pct', 'double precision')
    .addColumn('notification_email', 'text')
    .addColumn('webhooks', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
  await db.schema
    .createTable('capacity_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('threshold_pct', 'double precision', (c) => c.notNull())
    .addColumn('value_pct', 'double precision', (c) => c.notNull())
    .addColumn('worst_pct', 'double precision', (c) => c.notNull())
    .addColumn('last_value_pct', 'double precision')
    .addColumn('forecast_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('ix_capacity_alerts_open')
    .on('capacity_alerts')
    .columns(['resolved_at', 'kind'])
    .execute();
  await db.schema
    .createIndex('ix_capacity_alerts_opened_at')
    .on('capacity_alerts')
    .column('opened_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('capacity_alerts').execute();
  await db.schema.dropTable('capacity_alert_settings').execute();
}
