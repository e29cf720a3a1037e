import { type Kysely, sql } from 'kysely';

/** The coordinator's first schema: registry, heartbeats, outcomes, SLA, capacity, alerts, keys, audit. */
// Long by nature: a migration is one schema written top to bottom, shipped once and never
// edited afterwards (migrations/index.ts), so it is kept whole rather than split into pieces.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text')
    .addColumn('endpoint', 'text')
    .addColumn('operator', 'text')
    .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('max_parallel', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('ix_nodes_state').on('nodes').columns(['state', 'node_id']).execute();
  await db.schema.createIndex('ix_nodes_operator').on('nodes').column('operator').execute();

  // Topics are also kept as rows so that "nodes serving topic X" is an exact, indexed match.
  await db.schema
    .createTable('node_topics')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_node_topics', ['node_id', 'topic'])
    .execute();
  await db.schema
    .createIndex('ix_node_topics_topic')
    .on('node_topics')
    .columns(['topic', 'node_id'])
    .execute();

  await db.schema
    .createTable('node_status')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('first_heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('last_heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('busy_slots', 'integer', (c) => c.notNull())
    .addColumn('queue_length', 'integer', (c) => c.notNull())
    .addColumn('version', 'text')
    .execute();

  await db.schema
    .createTable('heartbeat_slices')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('slice_ms', 'bigint', (c) => c.notNull())
    .addColumn('row_start', 'bigint', (c) => c.notNull())
    .addColumn('mask', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_heartbeat_slices', ['node_id', 'slice_ms', 'row_start'])
    .execute();
  await db.schema
    .createIndex('ix_heartbeat_slices_window')
    .on('heartbeat_slices')
    .columns(['slice_ms', 'row_start', 'node_id', 'mask'])
    .execute();

  await db.schema
    .createTable('job_outcomes')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ix_job_outcomes_node_finished')
    .on('job_outcomes')
    .columns(['node_id', 'finished_at'])
    .execute();
  await db.schema.createIndex('ix_job_outcomes_finished').on('job_outcomes').column('finished_at').execute();
  await db.schema
    .createIndex('ix_job_outcomes_tenant_finished')
    .on('job_outcomes')
    .columns(['tenant_id', 'finished_at'])
    .execute();

  // Per-node outcome counters in two grains (see core/sla/rollup.ts): fine buckets for the
  // ragged start of the completion window, coarse ones for the rest of it.
  await db.schema
    .createTable('outcome_rollups')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
    .addColumn('bucket_start', 'bigint', (c) => c.notNull())
    .addColumn('successes', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'bigint', (c) => c.notNull())
    .addColumn('duration_sum_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_outcome_rollups', ['node_id', 'bucket_ms', 'bucket_start'])
    .execute();
  await db.schema
    .createIndex('ix_outcome_rollups_window')
    .on('outcome_rollups')
    .columns(['bucket_ms', 'bucket_start', 'node_id', 'successes', 'failures'])
    .execute();

  await db.schema
    .createTable('node_response_samples')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('samples', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sla_metrics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text')
    .addColumn('metric_type', 'text', (c) => c.notNull())
    .addColumn('metric_value', 'double precision')
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('ix_sla_metrics_timestamp').on('sla_metrics').column('timestamp').execute();
  await db.schema
    .createIndex('ix_sla_metrics_node_timestamp')
    .on('sla_metrics')
    .columns(['node_id', 'timestamp'])
    .execute();

  await db.schema
    .createTable('sla_violations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('violation_type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('metric_value', 'double precision', (c) => c.notNull())
    .addColumn('worst_value', 'double precision', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('violation_duration_ms', 'bigint')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  // At most one open violation per subject and metric, enforced by the database itself.
  await db.schema
    .createIndex('ux_sla_violations_open')
    .on('sla_violations')
    .columns(['subject', 'violation_type'])
    .unique()
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('ix_sla_violations_created')
    .on('sla_violations')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('ix_sla_violations_node')
    .on('sla_violations')
    .columns(['node_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('capacity_snapshots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('total_nodes', 'integer', (c) => c.notNull())
    .addColumn('live_nodes', 'integer', (c) => c.notNull())
    .addColumn('total_parallel_capacity', 'integer', (c) => c.notNull())
    .addColumn('live_parallel_capacity', 'integer', (c) => c.notNull())
    .addColumn('busy_slots', 'integer', (c) => c.notNull())
    .addColumn('free_slots', 'integer', (c) => c.notNull())
    .addColumn('total_queue_length', 'integer', (c) => c.notNull())
    .addColumn('capacity_utilization_pct', 'double precision')
    .addColumn('capacity_availability_pct', 'double precision')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createIndex('ix_capacity_snapshots_timestamp')
    .on('capacity_snapshots')
    .column('timestamp')
    .execute();

  await db.schema
    .createTable('alert_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('ix_alert_deliveries_due')
    .on('alert_deliveries')
    .columns(['state', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('role', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('ix_audit_log_at').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'api_keys',
    'alert_deliveries',
    'capacity_snapshots',
    'sla_violations',
    'sla_metrics',
    'node_response_samples',
    'outcome_rollups',
    'job_outcomes',
    'heartbeat_slices',
    'node_status',
    'node_topics',
    'nodes',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
