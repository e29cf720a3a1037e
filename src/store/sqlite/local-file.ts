import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** A node file's WAL is checkpointed every this many pages (512 KiB of 4 KiB pages). */
export const LOCAL_WAL_CHECKPOINT_PAGES = 128;
/** The most a node file's WAL keeps after a checkpoint (1 MiB). */
export const LOCAL_WAL_LIMIT_BYTES = 1024 * 1024;

/** The data directory is already used by another running process of the same kind. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/**
 * Opens (creating) a node-side SQLite file, such as the agent's log or the worker's outbox,
 * that one process owns: `dataDir/file`, created with mode 0700 directories.
 *
 * WAL with synchronous=NORMAL survives the process crashing, which is what these files guard
 * against. locking_mode=EXCLUSIVE holds the file's lock from the first write until close, so
 * a second process pointed at the same data dir fails at start (DataDirInUseError) instead of
 * doing the same work twice. The schema is applied in one transaction and versioned with
 * user_version; a file written by a newer version is refused rather than misread.
 */
export function openLocalDatabase({
  dataDir,
  file,
  schema,
  schemaVersion,
  owner,
}: {
  dataDir: string;
  file: string;
  /** Idempotent DDL (CREATE … IF NOT EXISTS). */
  schema: string;
  schemaVersion: number;
  /** Who owns the file, for messages: "agent", "worker". */
  owner: string;
}): DatabaseSync {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, file);
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    // Small commits (a probe, a result) append whole pages to the WAL. Checkpointing every
    // 128 pages (512 KiB) instead of SQLite's 1,000 keeps each file's WAL small, since a host
    // running many nodes (vigil up) holds one per agent and worker; the WAL is reused after
    // each checkpoint and cut back to the limit rather than keeping the largest size it reached.
    db.exec(`PRAGMA wal_autocheckpoint = ${LOCAL_WAL_CHECKPOINT_PAGES}`);
    db.exec(`PRAGMA journal_size_limit = ${LOCAL_WAL_LIMIT_BYTES}`);
    db.exec('BEGIN IMMEDIATE');
    db.exec(schema);
    const { user_version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
    if (user_version > schemaVersion) {
      throw new Error(`${path} was written by a newer ${owner} (schema ${user_version}); upgrade vigil`);
    }
    db.exec(`PRAGMA user_version = ${schemaVersion}`);
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if (
      (error as { errcode?: number }).errcode === 5 ||
      /database is locked/.test((error as Error).message)
    ) {
      throw new DataDirInUseError(`another ${owner} is using ${dataDir} (${path} is locked)`);
    }
    throw error;
  }
  return db;
}
