import { openLocalDatabase } from '../store/sqlite/local-file.ts';
import type { OutboxKind } from './metrics.ts';

/** The file in `data_dir` holding the worker's outbox. */
export const WORKER_OUTBOX_FILE = 'worker.sqlite';

const SCHEMA_VERSION = 1;

// One row per result or verdict, stored before the first attempt to send it and deleted only
// once the coordinator answered 200 for a batch holding it. Rows are read back in id order, so
// results leave in the order they were built. Nothing else is kept: leases in flight are not
// worth keeping across a restart (they expire at the coordinator; see decision 0020).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('results', 'verdicts')),
  job_id TEXT NOT NULL,
  item TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_kind ON outbox (kind, id);
`;

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  job_id: string;
  /** The item's JSON, sent as stored. */
  item: string;
  attempts: number;
}

export { DataDirInUseError } from '../store/sqlite/local-file.ts';

export interface OutboxStore {
  add(kind: OutboxKind, jobId: string, item: unknown, nowMs: number): void;
  /** The oldest rows of a kind, at most `limit`. */
  oldest(kind: OutboxKind, limit: number): OutboxRow[];
  delete(ids: readonly number[]): void;
  /** Counts an attempt that did not settle the rows. */
  noteFailure(ids: readonly number[], error: string): void;
  depth(kind?: OutboxKind): number;
  close(): void;
}

/**
 * Opens (creating) the outbox in `dataDir`. WAL with synchronous=NORMAL: a commit survives the
 * process crashing; an OS crash may lose the last ones, which only means those jobs run again
 * when their leases expire. locking_mode=EXCLUSIVE makes a second host on the same directory
 * fail at start instead of sending the same results twice.
 */
export function openOutboxStore(dataDir: string): OutboxStore {
  const db = openLocalDatabase({
    dataDir,
    file: WORKER_OUTBOX_FILE,
    schema: SCHEMA,
    schemaVersion: SCHEMA_VERSION,
    owner: 'worker',
  });

  const insert = db.prepare('INSERT INTO outbox (kind, job_id, item, created_at_ms) VALUES (?, ?, ?, ?)');
  const select = db.prepare(
    'SELECT id, kind, job_id, item, attempts FROM outbox WHERE kind = ? ORDER BY id LIMIT ?',
  );
  const remove = db.prepare('DELETE FROM outbox WHERE id = ?');
  const failed = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?');
  const countKind = db.prepare('SELECT count(*) AS n FROM outbox WHERE kind = ?');
  const countAll = db.prepare('SELECT count(*) AS n FROM outbox');

  const inTransaction = (work: () => void) => {
    db.exec('BEGIN IMMEDIATE');
    try {
      work();
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };

  let closed = false;
  return {
    add(kind, jobId, item, nowMs) {
      insert.run(kind, jobId, JSON.stringify(item), nowMs);
    },
    oldest: (kind, limit) => select.all(kind, limit) as unknown as OutboxRow[],
    delete(ids) {
      inTransaction(() => {
        for (const id of ids) remove.run(id);
      });
    },
    noteFailure(ids, error) {
      inTransaction(() => {
        for (const id of ids) failed.run(error.slice(0, 1000), id);
      });
    },
    depth: (kind) =>
      closed ? 0 : ((kind === undefined ? countAll.get() : countKind.get(kind)) as { n: number }).n,
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
