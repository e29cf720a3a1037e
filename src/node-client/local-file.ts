import type { DatabaseSync } from 'node:sqlite';
import { openLocalDatabase } from '../store/sqlite/local-file.ts';
import { OUTBOX_SCHEMA } from './outbox/store.ts';

export { DataDirInUseError } from '../store/sqlite/local-file.ts';

/**
 * Opens (creating) a node's local SQLite file, `dataDir/file`, which one process owns: the
 * outbox table every node file has, then the role's own `schema` (its tables and indexes,
 * idempotent DDL), versioned together as `schemaVersion`. A second process of the same kind
 * on the same directory fails with DataDirInUseError; a file of a newer schema is refused.
 */
export function openNodeFile({
  dataDir,
  file,
  owner,
  schema,
  schemaVersion,
}: {
  dataDir: string;
  file: string;
  /** Who owns the file, for messages: "agent", "worker". */
  owner: string;
  schema: string;
  schemaVersion: number;
}): DatabaseSync {
  return openLocalDatabase({ dataDir, file, owner, schemaVersion, schema: `${OUTBOX_SCHEMA}${schema}` });
}
