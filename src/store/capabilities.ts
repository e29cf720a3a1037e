import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Everything that differs between the embedded SQLite store and PostgreSQL, in one place.
 * Domain code asks these questions; it never asks which database it is talking to.
 */
export interface StoreCapabilities {
  /** For logs and metric labels only. */
  readonly dialectName: 'sqlite' | 'postgres';
  /** Most bind parameters one statement may carry; batch inserts are chunked to fit. */
  readonly maxBindParameters: number;
  /** Whether `SELECT … FOR UPDATE` exists (PostgreSQL); SQLite serialises writers anyway. */
  readonly supportsRowLocks: boolean;
  /**
   * Whether `lower()` folds only A–Z (SQLite without ICU) rather than every letter
   * (PostgreSQL, where `lower(x collate "C")` folds A–Z alone): a case-insensitive match that
   * must answer alike asks for the C collation there.
   */
  readonly lowerFoldsOnlyAscii: boolean;
}

export type Tx = Transaction<Database>;

export interface DialectHooks {
  capabilities: StoreCapabilities;
  /** Take a named lock for the rest of the transaction: an advisory lock on PostgreSQL, nothing on SQLite (one writer). */
  lockForTransaction(trx: Tx, name: string): Promise<void>;
  /**
   * The schema the migration bookkeeping tables live in. PostgreSQL names the current one
   * explicitly: Kysely's existence check looks across every schema, and a database with
   * Vigil in several schemas must not see another schema's bookkeeping as its own.
   */
  migrationTableSchema?(db: Db): Promise<string | undefined>;
  /** Periodic upkeep the database does not do by itself (SQLite's planner statistics). */
  maintain?(db: Db): Promise<void>;
  /** Whatever the dialect must do once the pool is gone. */
  afterDestroy?(): Promise<void>;
  /**
   * Whether an error says the database cannot serve now (disk full, connection lost, server
   * shutting down) rather than that the statement was wrong: the caller may try again later.
   */
  isUnavailable(error: unknown): boolean;
}

export type Db = Kysely<Database>;
