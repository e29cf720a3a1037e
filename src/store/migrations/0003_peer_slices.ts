import type { Kysely } from 'kysely';

/**
 * Peer-observed uptime: each monitor's verdicts as slice bitmaps, the peers' majority derived
 * from them in the shape of heartbeat_slices, and when peers first probed each node.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The key leads with (node_id, slice_ms, row_start) so recomputing a verdict reads every
  // monitor's row for one slice row as one index range; monitor_id last keeps it unique.
  await db.schema
    .createTable('peer_slices')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('slice_ms', 'bigint', (c) => c.notNull())
    .addColumn('row_start', 'bigint', (c) => c.notNull())
    .addColumn('monitor_id', 'text', (c) => c.notNull())
    .addColumn('up_mask', 'bigint', (c) => c.notNull())
    .addColumn('down_mask', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_peer_slices', ['node_id', 'slice_ms', 'row_start', 'monitor_id'])
    .execute();
  await db.schema.createIndex('ix_peer_slices_row_start').on('peer_slices').column('row_start').execute();

  await db.schema
    .createTable('peer_verdict_slices')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('slice_ms', 'bigint', (c) => c.notNull())
    .addColumn('row_start', 'bigint', (c) => c.notNull())
    .addColumn('mask', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pk_peer_verdict_slices', ['node_id', 'slice_ms', 'row_start'])
    .execute();
  // Covers the collection's window read (a row_start range of one slice_ms) and retention's
  // row_start cut-off alike; row_start leads because retention has no slice_ms to give.
  await db.schema
    .createIndex('ix_peer_verdict_slices_window')
    .on('peer_verdict_slices')
    .columns(['row_start', 'slice_ms', 'node_id', 'mask'])
    .execute();

  // One row per node, kept like node_status.first_heartbeat_at: from here on, silence of
  // the peers counts against the node, and a node judged only by peers has a start.
  await db.schema
    .createTable('peer_first_probes')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('first_probe_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['peer_first_probes', 'peer_verdict_slices', 'peer_slices']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
