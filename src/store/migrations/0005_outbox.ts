import { type Kysely, sql } from 'kysely';

/**
 * The alert deliveries table becomes the coordinator's one outbox (a `stream` column says whose
 * row it is: `alerts` now, billing sync later), with the watermarks that sync keeps beside it.
 * Existing alert rows, pending ones included, carry over as the `alerts` stream.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ix_alert_deliveries_due').execute();
  await db.schema.alterTable('alert_deliveries').renameTo('outbox').execute();
  await db.schema
    .alterTable('outbox')
    .addColumn('stream', 'text', (c) => c.notNull().defaultTo('alerts'))
    .execute();
  await db.schema
    .createIndex('ix_outbox_due')
    .on('outbox')
    .columns(['stream', 'state', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('watermarks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('watermarks').ifExists().execute();
  await db.schema.dropIndex('ix_outbox_due').execute();
  await sql`delete from outbox where stream <> 'alerts'`.execute(db);
  await db.schema.alterTable('outbox').dropColumn('stream').execute();
  await db.schema.alterTable('outbox').renameTo('alert_deliveries').execute();
  await db.schema
    .createIndex('ix_alert_deliveries_due')
    .on('alert_deliveries')
    .columns(['state', 'next_attempt_at'])
    .execute();
}
