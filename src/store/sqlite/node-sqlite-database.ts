import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const STATEMENT_CACHE_SIZE = 256;

const NOTHING_TO_ROLL_BACK: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

/**
 * Presents `node:sqlite` in the shape Kysely's SQLite driver expects (the subset of
 * better-sqlite3 it uses), so the embedded default needs no native add-on.
 * Prepared statements are cached by SQL text: the hot paths (heartbeats, outcomes)
 * run the same few statements thousands of times a second.
 */
export function openNodeSqlite(path: string): SqliteDatabase & { raw: DatabaseSync } {
  const raw = new DatabaseSync(path);
  raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA busy_timeout = 5000');
  // Cut the WAL back to 64 MiB after checkpoints, rather than keeping its largest size.
  raw.exec('PRAGMA journal_size_limit = 67108864');
  raw.exec('PRAGMA foreign_keys = ON');
  const cache = new Map<string, SqliteStatement>();

  function wrap(stmt: StatementSync): SqliteStatement {
    return {
      reader: stmt.columns().length > 0,
      all: (parameters) => stmt.all(...(parameters as never[])),
      run: (parameters) => stmt.run(...(parameters as never[])),
      iterate: (parameters) => stmt.iterate(...(parameters as never[])),
    };
  }

  return {
    raw,
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare(sql: string): SqliteStatement {
      // SQLite rolls a transaction back by itself on some errors (a full disk, an I/O error);
      // Kysely's ROLLBACK after that would fail with "no transaction is active" and be thrown
      // in place of the error that says what happened. With nothing to roll back, do nothing.
      if (sql === 'rollback' && !raw.isTransaction) return NOTHING_TO_ROLL_BACK;
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = wrap(raw.prepare(sql));
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
