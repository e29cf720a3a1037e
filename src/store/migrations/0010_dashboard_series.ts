import { type Kysely, sql } from 'kysely';

/**
 * What the dashboard's reads need (GET /series, GET /fleet/summary; decisions 0070–0072):
 * each topic's queue sampled over time (`topic_samples`, one row per topic per sampling, kept
 * as raw data), and indexes so that counting jobs submitted or finished in a range and
 * violations resolved before an instant are index range scans rather than whole-table ones.
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
  // Jobs counted per minute by when they were submitted or finished, filtered by topic,
  // tenant or final status, from the index alone (decision 0070). Only finished jobs are in
  // the second, so the transitions of unfinished ones (claims, retries) never touch it.
  await db.schema
    .createIndex('ix_jobs_created')
    .on('jobs')
    .columns(['created_at', 'topic', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('ix_jobs_finished_counts')
    .on('jobs')
    .columns(['finished_at', 'status', 'topic', 'tenant_id'])
    .where(sql.ref('finished_at'), 'is not', null)
    .execute();
  // A tenant's own: without it SQLite's planner (no statistics) takes ix_jobs_tenant and reads
  // every job the tenant ever had to count those of a few minutes.
  await db.schema
    .createIndex('ix_jobs_tenant_finished')
    .on('jobs')
    .columns(['tenant_id', 'finished_at', 'status', 'topic'])
    .where(sql.ref('finished_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('ix_sla_violations_resolved')
    .on('sla_violations')
    .column('resolved_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ix_sla_violations_resolved').execute();
  await db.schema.dropIndex('ix_jobs_tenant_finished').execute();
  await db.schema.dropIndex('ix_jobs_finished_counts').execute();
  await db.schema.dropIndex('ix_jobs_created').execute();
  await db.schema.dropTable('topic_samples').ifExists().execute();
}
