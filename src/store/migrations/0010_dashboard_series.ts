import type { Kysely } from 'kysely';

/**
 * What the dashboard's reads need (GET /series, GET /fleet/summary; decisions 0070–0072):
 * each topic's queue sampled over time (`topic_samples`, one row per topic per sampling, kept
 * as raw data), and two indexes so that counting jobs submitted in a range and violations
 * resolved before an instant are range scans rather than whole-table ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('topic_samples')
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('sampled_at', 'bigint', (c) => c.notNull())
    .addColumn('ready', 'integer', (c) => c.notNull())
    .addColumn('ready_now', 'integer', (c) => c.notNull())
    .addColumn('leased', 'integer', (c) => c.notNull())
    .addColumn('dead', 'integer', (c) => c.notNull())
    .addColumn('oldest_ready_age_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_topic_samples', ['topic', 'sampled_at'])
    .execute();
  // Retention deletes by age across topics.
  await db.schema
    .createIndex('ix_topic_samples_sampled_at')
    .on('topic_samples')
    .column('sampled_at')
    .execute();
  await db.schema.createIndex('ix_jobs_created').on('jobs').column('created_at').execute();
  await db.schema
    .createIndex('ix_sla_violations_resolved')
    .on('sla_violations')
    .column('resolved_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ix_sla_violations_resolved').execute();
  await db.schema.dropIndex('ix_jobs_created').execute();
  await db.schema.dropTable('topic_samples').ifExists().execute();
}
