import type { DatabaseSync } from 'node:sqlite';
import { openLocalDatabase } from '../store/sqlite/local-file.ts';
import { OUTBOX_SCHEMA } from './outbox/store.ts';

export { DataDirInUseError } from '../store/sqlite/local-file.ts';

/** A role's outbox table from before `outbox_items`, to move into it. */
export interface FormerOutbox {
  /** Its `CREATE TABLE IF NOT EXISTS outbox (…)`, exactly as the role's old schema had it. */
  table: string;
  /**
   * Its columns as outbox_items' (id, kind, subject, body, state, attempts, next_attempt_at,
   * last_error, created_at, settled_at), in that order: the select list of the move.
   */
  columns: string;
}

/**
 * Opens (creating) a node's local SQLite file, `dataDir/file`, which one process owns: the
 * outbox table every node file has, then the role's own `schema` (its tables and indexes,
 * idempotent DDL), versioned together as `schemaVersion`. A second process of the same kind
 * on the same directory fails with DataDirInUseError; a file of a newer schema is refused.
 *
 * `formerOutbox` moves the rows of a role's own outbox table (schema 1) into `outbox_items`,
 * as they were, the first time the file is opened. The schema is applied at every open, so the
 * move is idempotent: on a file without the old table, the table is created empty and dropped
 * at once (which is also why the shared table has a name of its own).
 */
export function openNodeFile({
  dataDir,
  file,
  owner,
  schema,
  schemaVersion,
  formerOutbox,
}: {
  dataDir: string;
  file: string;
  /** Who owns the file, for messages: "agent", "worker". */
  owner: string;
  schema: string;
  schemaVersion: number;
  formerOutbox: FormerOutbox;
}): DatabaseSync {
  const move = `${formerOutbox.table};
INSERT INTO outbox_items (id, kind, subject, body, state, attempts, next_attempt_at, last_error, created_at, settled_at)
  SELECT ${formerOutbox.columns} FROM outbox;
DROP TABLE outbox;
`;
  return openLocalDatabase({
    dataDir,
    file,
    owner,
    schemaVersion,
    schema: `${OUTBOX_SCHEMA}${move}${schema}`,
  });
}
