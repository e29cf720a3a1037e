import type { DatabaseSync } from 'node:sqlite';
import { type FormerOutbox, openNodeFile } from '../node-client/local-file.ts';

/** The file in `data_dir` holding the worker's outbox. */
export const WORKER_OUTBOX_FILE = 'worker.sqlite';

// Schema 2 moved the outbox into the table every node's file has (`outbox_items`: the job id
// in `subject`, the item's JSON in `body`); schema 1 had the table below, whose rows move there
// at the first open, all pending and due.
const SCHEMA_VERSION = 2;

const SCHEMA_1_OUTBOX: FormerOutbox = {
  table: `CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('results', 'verdicts')),
  job_id TEXT NOT NULL,
  item TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at_ms INTEGER NOT NULL
)`,
  columns: "id, kind, job_id, item, 'pending', attempts, created_at_ms, last_error, created_at_ms, NULL",
};

export { DataDirInUseError } from '../node-client/local-file.ts';

/**
 * Opens (creating) the worker's outbox file in `dataDir`: one item per result or verdict,
 * stored before the first attempt to send it and deleted only once the coordinator answered
 * 200 for a batch holding it. Nothing else is kept: leases in flight are not worth keeping
 * across a restart (they expire at the coordinator; see decision 0020).
 *
 * WAL with synchronous=NORMAL: a commit survives the process crashing; an OS crash may lose
 * the last ones, which only means those jobs run again when their leases expire.
 * locking_mode=EXCLUSIVE makes a second host on the same directory fail at start
 * (DataDirInUseError) instead of sending the same results twice.
 */
export function openWorkerOutboxFile(dataDir: string): DatabaseSync {
  return openNodeFile({
    dataDir,
    file: WORKER_OUTBOX_FILE,
    schema: '',
    formerOutbox: SCHEMA_1_OUTBOX,
    schemaVersion: SCHEMA_VERSION,
    owner: 'worker',
  });
}
