import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect, sql } from 'kysely';
import type { DialectHooks } from '../capabilities.ts';
import { isSqliteUnavailable } from './errors.ts';
import { openNodeSqlite } from './node-sqlite-database.ts';

/** SQLite through `node:sqlite`: one file, WAL, one writer at a time. */
export function createSqliteDialect(path: string): { dialect: SqliteDialect; hooks: DialectHooks } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const dialect = new SqliteDialect({ database: async () => openNodeSqlite(path) });
  return {
    dialect,
    hooks: {
      capabilities: {
        dialectName: 'sqlite',
        // SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32; stay well inside it.
        maxBindParameters: 30_000,
        supportsRowLocks: false,
        lowerFoldsOnlyAscii: true,
      },
      async maintain(db) {
        // SQLite never gathers planner statistics by itself; PostgreSQL's autovacuum does.
        await sql`pragma optimize`.execute(db);
      },
      isUnavailable: isSqliteUnavailable,
      async lockForTransaction() {
        // Kysely's SQLite driver runs one connection and serialises transactions: already exclusive.
      },
    },
  };
}
