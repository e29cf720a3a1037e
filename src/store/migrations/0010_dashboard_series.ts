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
  // Jobs counted per minute by when they were submitted or finished (decision 0070): all of
  // them from ix_jobs_finished and this one; by topic, final status or tenant from the partial
  // indexes below, which hold only finished jobs, so the transitions of unfinished ones
  // (claims, retries) never touch them, and which lead with the filter, so SQLite's planner
  // (no statistics) is not drawn to ix_jobs_status or ix_jobs_tenant and their every row.
  await db.schema.createIndex('ix_jobs_created').on('jobs').columns(['created_at', 'topic']).execute();
  for (const [name, columns] of [
    ['ix_jobs_finished_status', ['status', 'finished_at']],
    ['ix_jobs_finished_topic', ['topic', 'finished_at', 'status']],
    ['ix_jobs_tenant_finished', ['tenant_id', 'finished_at', 'status', 'topic']],
  ] as const) {
    await db.schema
      .createIndex(name)
      .on('jobs')
      .columns([...columns])
      .where(sql.ref('finished_at'), 'is not', null)
      .execute();
  }
  await db.schema
    .createIndex('ix_sla_violations_resolved')
    .on('sla_violations')
    .column('resolved_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ix_sla_violations_resolved').execute();
  for (const name of ['ix_jobs_tenant_finished', 'ix_jobs_finished_topic', 'ix_jobs_finished_status'])
    await db.schema.dropIndex(name).execute();
  await db.schema.dropIndex('ix_jobs_created').execute();
  await db.schema.dropTable('topic_samples').ifExists().execute();
}
