import type { DatabaseSync } from 'node:sqlite';
import { type FormerOutbox, openNodeFile } from '../../node-client/local-file.ts';

/** The file in `agent.data_dir` holding the probe log, the outbox and the assignments. */
export const AGENT_LOG_FILE = 'agent.sqlite';

// Schema 2 moved the outbox into the table every node's file has (`outbox_items`, the epoch
// in `subject`); schema 1 had the table below, whose rows move there at the first open.
const SCHEMA_VERSION = 2;

const SCHEMA_1_OUTBOX: FormerOutbox = {
  table: `CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('report', 'interim')),
  epoch INTEGER NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
)`,
  columns: 'id, kind, epoch, body, state, attempts, next_attempt_at, last_error, created_at, delivered_at',
};

// samples: one row per counted probe. The primary key is the probe's identity, so logging the
// same probe twice (a replayed batch) is a no-op. Rows are read back in rowid order for interim
// summaries: rowids only grow while an epoch's rows exist (SQLite gives max(rowid)+1, and a
// cursor always points at a row still there), and this database is never VACUUMed.
//
// outbox_items: what must reach the coordinator, stored before the first attempt. At most one
// report per epoch, ever (partial unique index): a restart resends that row, never builds another.
//
// assignments: what this node audits in each epoch, kept so a restart (with the coordinator
// down, even) resumes probing and can still report an epoch that ended meanwhile.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (
  epoch INTEGER NOT NULL,
  target TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  up INTEGER NOT NULL CHECK (up IN (0, 1)),
  latency_ms REAL,
  PRIMARY KEY (epoch, target, at_ms)
);
CREATE TABLE IF NOT EXISTS interim_cursor (
  epoch INTEGER PRIMARY KEY,
  through_rowid INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_items_one_report_per_epoch ON outbox_items (subject) WHERE kind = 'report';
CREATE TABLE IF NOT EXISTS assignments (
  epoch INTEGER PRIMARY KEY,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  report_window_end_ms INTEGER NOT NULL,
  probe_interval_s REAL NOT NULL,
  probe_timeout_ms INTEGER NOT NULL,
  targets TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export { DataDirInUseError } from '../../node-client/local-file.ts';

/**
 * Opens (creating) the agent's SQLite log in `dataDir`.
 *
 * WAL with synchronous=NORMAL: a commit is durable against a crash of the process (the WAL
 * is in the OS's hands), and only an OS crash or power cut can lose the last commits. For
 * samples that costs at most a few seconds of probes, and saves an fsync per batch. The one
 * write that must survive a power cut too, a signed report before its first send, is made
 * with synchronous=FULL (see `withFullSync`).
 *
 * locking_mode=EXCLUSIVE holds the file's lock from the first write until close, so a second
 * agent pointed at the same data dir fails at start instead of probing and reporting twice.
 */
export function openAgentLog(dataDir: string): DatabaseSync {
  return openNodeFile({
    dataDir,
    file: AGENT_LOG_FILE,
    schema: SCHEMA,
    schemaVersion: SCHEMA_VERSION,
    owner: 'agent',
    formerOutbox: SCHEMA_1_OUTBOX,
  });
}

/** Runs `write` with every commit synced to disk before it returns (synchronous=FULL). */
export function withFullSync<T>(db: DatabaseSync, write: () => T): T {
  db.exec('PRAGMA synchronous = FULL');
  try {
    return write();
  } finally {
    db.exec('PRAGMA synchronous = NORMAL');
  }
}

/** Runs `work` in one transaction (BEGIN IMMEDIATE … COMMIT), rolled back if it throws. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
