import type { Kysely } from 'kysely';

/**
 * Peer monitoring (issue 3): where each node's agent listens, the epochs this coordinator
 * recorded with their member snapshots, the monitors' signed reports, the signed
 * settlements, and the node-signed request signatures remembered to refuse replays.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('nodes').addColumn('agent_url', 'text').execute();

  // One row per epoch from the first this coordinator recorded; seed and previous hash stay
  // null until the previous epoch settles (docs/decisions/0013).
  await db.schema
    .createTable('epochs')
    .addColumn('epoch', 'bigint', (c) => c.primaryKey())
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('end_ms', 'bigint', (c) => c.notNull())
    .addColumn('report_window_end_ms', 'bigint', (c) => c.notNull())
    .addColumn('group_size', 'integer')
    .addColumn('previous_settlement_hash', 'text')
    .addColumn('seed', 'text')
    .addColumn('members_taken_at', 'bigint')
    .addColumn('settled_at', 'bigint')
    .addColumn('settlement_hash', 'text')
    .execute();

  await db.schema
    .createTable('epoch_members')
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_epoch_members', ['epoch', 'node_id'])
    .execute();

  await db.schema
    .createTable('monitor_reports')
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('monitor', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_monitor_reports', ['epoch', 'monitor'])
    .execute();

  await db.schema
    .createTable('settlements')
    .addColumn('epoch', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('request_signatures')
    .addColumn('signature', 'text', (c) => c.primaryKey())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ix_request_signatures_seen')
    .on('request_signatures')
    .column('seen_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['request_signatures', 'settlements', 'monitor_reports', 'epoch_members', 'epochs']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.alterTable('nodes').dropColumn('agent_url').execute();
}
