import { closeSync, fsyncSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import pg from 'pg';
import type { BenchDatabase } from './common.ts';

/** A column and the PostgreSQL array type UNNEST needs for it. */
export type ColumnTypes = Record<string, 'text' | 'int8' | 'float8'>;
/** Rows column by column: every array has the same length. */
export type Columns = Record<string, readonly unknown[]>;

/**
 * Bulk loading straight into the tables, bypassing the repositories: the set-up writes
 * millions of rows that the real write path would have accumulated over days.
 * One transaction per `begin()`/`commit()`; statements carry thousands of rows each.
 */
export interface BulkWriter {
  begin(): Promise<void>;
  insert(table: string, types: ColumnTypes, rows: Columns): Promise<void>;
  commit(): Promise<void>;
  /**
   * Drops the table's secondary indexes (keeping its primary key) and returns what rebuilds
   * them from their stored definitions: one sort per index instead of millions of random
   * B-tree inserts. Only for tables the collection never reads, so index layout cannot
   * flatter the figure.
   */
  deferIndexes(table: string): Promise<() => Promise<void>>;
  /** After loading: whatever a database that grew over days would already have done. */
  settle(tables: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export function openBulkWriter(db: BenchDatabase): BulkWriter {
  return db.sqlitePath !== undefined ? sqliteWriter(db.sqlitePath) : postgresWriter(db.databaseUrl);
}

function sqliteWriter(path: string): BulkWriter {
  // A connection of its own, tuned for loading only; the store opens the file afterwards
  // with its usual settings, so these pragmas do not flatter the collection.
  const raw = new DatabaseSync(path);
  raw.exec('PRAGMA synchronous = OFF');
  raw.exec('PRAGMA cache_size = -1048576');
  raw.exec('PRAGMA temp_store = MEMORY');
  const statements = new Map<string, StatementSync>();
  const MAX_BINDS = 30_000;

  function statement(table: string, names: readonly string[], rows: number): StatementSync {
    const key = `${table}/${rows}`;
    let stmt = statements.get(key);
    if (stmt === undefined) {
      const tuple = `(${names.map(() => '?').join(',')})`;
      const sql = `insert into ${table} (${names.join(',')}) values ${Array(rows).fill(tuple).join(',')}`;
      stmt = raw.prepare(sql);
      statements.set(key, stmt);
    }
    return stmt;
  }

  return {
    async begin() {
      raw.exec('BEGIN');
    },
    async insert(table, types, rows) {
      const names = Object.keys(types);
      const cols = names.map((n) => rows[n] as readonly unknown[]);
      const total = cols[0]?.length ?? 0;
      const perStatement = Math.floor(MAX_BINDS / names.length);
      for (let start = 0; start < total; start += perStatement) {
        const count = Math.min(perStatement, total - start);
        const params: unknown[] = new Array(count * names.length);
        let i = 0;
        for (let r = start; r < start + count; r++) for (const col of cols) params[i++] = col[r];
        statement(table, names, count).run(...(params as never[]));
      }
    },
    async commit() {
      raw.exec('COMMIT');
    },
    async deferIndexes(table) {
      const indexes = raw
        .prepare(
          "select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null",
        )
        .all(table) as Array<{ name: string; sql: string }>;
      for (const { name } of indexes) raw.exec(`drop index ${name}`);
      return async () => {
        for (const { sql } of indexes) raw.exec(sql);
      };
    },
    async settle() {
      // A running coordinator's WAL is checkpointed every 1,000 pages; leave it that small.
      // No ANALYZE: the coordinator never runs one, so the planner works without statistics.
      raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      // Loading ran with synchronous = OFF: flush now, so the kernel's write-back of a
      // gigabyte of dirty pages does not overlap the measured collection.
      const fd = openSync(path, 'r+');
      fsyncSync(fd);
      closeSync(fd);
    },
    async close() {
      statements.clear();
      raw.close();
    },
  };
}

function postgresWriter(url: string): BulkWriter {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  // One statement in flight while the next chunk is generated: PostgreSQL inserts on one
  // core while Node generates on the other.
  let inFlight: Promise<unknown> = Promise.resolve();
  return {
    async begin() {
      await connected;
      await client.query('begin');
    },
    async insert(table, types, rows) {
      const names = Object.keys(types);
      const unnest = names.map((n, i) => `$${i + 1}::${types[n]}[]`).join(', ');
      const sql = `insert into ${table} (${names.join(', ')}) select * from unnest(${unnest})`;
      await inFlight;
      const query = client.query(
        sql,
        names.map((n) => rows[n]),
      );
      // Handled here too, so a failure surfaces at the next await instead of as an unhandled rejection.
      query.catch(() => {});
      inFlight = query;
    },
    async commit() {
      await inFlight;
      await client.query('commit');
    },
    async deferIndexes(table) {
      await inFlight;
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes
          where schemaname = current_schema() and tablename = $1
            and indexname not in (select conname from pg_constraint where conrelid = $1::regclass)`,
        [table],
      );
      for (const { indexname } of rows) await client.query(`drop index ${indexname}`);
      return async () => {
        await inFlight;
        await client.query("set maintenance_work_mem = '256MB'");
        for (const { indexdef } of rows) await client.query(indexdef);
        await client.query('reset maintenance_work_mem');
      };
    },
    async settle(tables) {
      // Autovacuum would have analysed these tables and set their visibility maps (which
      // index-only scans rely on) long before a collection over days of data.
      await client.query(`vacuum (analyze) ${tables.join(', ')}`);
      // Write the loaded pages out now rather than in a checkpoint during the measurement
      // (needs superuser or pg_checkpoint; without them the checkpointer does it later).
      await client.query('checkpoint').catch(() => {});
    },
    async close() {
      await inFlight.catch(() => {});
      await client.end();
    },
  };
}
