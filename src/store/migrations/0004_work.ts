import { type Kysely, sql } from 'kysely';

/** Work distribution: topics, the job record, the in-database queue, pools and workers. */
// Long by nature: a migration is one schema written top to bottom, shipped once and never
// edited afterwards (migrations/index.ts), so it is kept whole rather than split into pieces.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('topics')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline_at', 'bigint')
    .addColumn('node_id', 'text')
    .addColumn('worker_id', 'text')
    .addColumn('lease_token', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('finished_token', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('verification_state', 'text')
    .addColumn('verifier_id', 'text')
    .addColumn('verification_claim_expires_at', 'bigint')
    .addColumn('verdict', 'text')
    .execute();
  // NULL keys never collide, so jobs without a key are unconstrained on both dialects.
  await db.schema
    .createIndex('ux_jobs_idempotency')
    .on('jobs')
    .columns(['tenant_id', 'idempotency_key'])
    .unique()
    .execute();
  // The reconciler's scan of unfinished jobs, and listings by state.
  await db.schema.createIndex('ix_jobs_status').on('jobs').columns(['status', 'updated_at']).execute();
  // Verifiers' sampling: pending verifications of one topic.
  await db.schema
    .createIndex('ix_jobs_verification')
    .on('jobs')
    .columns(['topic', 'verification_state', 'finished_at'])
    .where(sql.ref('verification_state'), 'is not', null)
    .execute();
  await db.schema.createIndex('ix_jobs_tenant').on('jobs').columns(['tenant_id', 'created_at']).execute();
  await db.schema.createIndex('ix_jobs_finished').on('jobs').column('finished_at').execute();

  await db.schema
    .createTable('queue_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    .addColumn('available_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_token', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('dead_at', 'bigint')
    .execute();
  // A claim reads the oldest ready items of one topic; recovery reads expired leases.
  await db.schema
    .createIndex('ix_queue_items_claim')
    .on('queue_items')
    .columns(['topic', 'state', 'available_at', 'id'])
    .execute();
  await db.schema
    .createIndex('ix_queue_items_lease')
    .on('queue_items')
    .columns(['state', 'lease_expires_at'])
    .execute();

  await db.schema
    .createTable('pools')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('workers')
    .addColumn('worker_id', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('pool', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('topics', 'text', (c) => c.notNull())
    .addColumn('verify_topics', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('state_at', 'bigint', (c) => c.notNull())
    .addColumn('busy_slots', 'integer', (c) => c.notNull())
    .addColumn('queue_length', 'integer', (c) => c.notNull())
    .addColumn('benchmark', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ix_workers_node').on('workers').column('node_id').execute();
  await db.schema.createIndex('ix_workers_pool').on('workers').column('pool').execute();

  await db.schema
    .createTable('worker_states')
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_worker_states', ['worker_id', 'at', 'state'])
    .execute();
  await db.schema
    .createIndex('ix_worker_states_node')
    .on('worker_states')
    .columns(['node_id', 'at'])
    .execute();

  await db.schema
    .createTable('node_quality')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'node_quality',
    'worker_states',
    'workers',
    'pools',
    'queue_items',
    'jobs',
    'topics',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
