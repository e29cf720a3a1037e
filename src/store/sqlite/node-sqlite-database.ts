import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const STATEMENT_CACHE_SIZE = 256;

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
