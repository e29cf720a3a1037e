import { sql } from 'kysely';
import pg from 'pg';
import type { Db, DialectHooks, Tx } from '../capabilities.ts';
import { CurrentSchemaPostgresDialect } from './current-schema-introspector.ts';
import { isPostgresUnavailable } from './errors.ts';

// Times are epoch milliseconds in BIGINT columns and sums come back as NUMERIC; both fit a
// JavaScript number exactly for every value this schema stores, so parse them as numbers.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Stable 31-bit key for an advisory lock name. */
function lockKey(name: string): number {
  let h = 0;
  for (const ch of name) h = (Math.imul(h, 31) + (ch.codePointAt(0) ?? 0)) | 0;
  return h & 0x7fffffff;
}

/** PostgreSQL through `pg`: a pool shared by every request, advisory locks across coordinators. */
export function createPostgresDialect(
  connectionString: string,
  { maxConnections = 10 }: { maxConnections?: number } = {},
): { dialect: CurrentSchemaPostgresDialect; hooks: DialectHooks; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: maxConnections, types });
  // A dropped connection must not crash the process; the pool replaces it on next use. The
  // pool only listens on idle clients: one checked out (inside a transaction, say) emits its
  // error on itself, and an 'error' event nobody listens to is an uncaught exception. Its
  // query in flight fails anyway, and the pool discards it when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return {
    pool,
    dialect: new CurrentSchemaPostgresDialect({ pool }),
    hooks: {
      capabilities: {
        dialectName: 'postgres',
        maxBindParameters: 65_000,
        supportsRowLocks: true,
        lowerFoldsOnlyAscii: false,
      },
      isUnavailable: isPostgresUnavailable,
      async migrationTableSchema(db: Db) {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
        return rows[0]?.schema;
      },
      async lockForTransaction(trx: Tx, name: string) {
        await sql`select pg_advisory_xact_lock(${lockKey(name)})`.execute(trx);
      },
    },
  };
}
