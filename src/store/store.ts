import { Kysely, sql, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Db, StoreCapabilities } from './capabilities.ts';
import { isPostgresUrl } from './database-url.ts';
import { migrationProvider } from './migrations/index.ts';
import { createPostgresDialect } from './postgres/dialect.ts';
import type { Database } from './schema.ts';
import { createSqliteDialect } from './sqlite/dialect.ts';

export interface Store {
  readonly db: Db;
  readonly capabilities: StoreCapabilities;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** A transaction that also holds the named cross-coordinator lock until it ends. */
  exclusive<T>(lockName: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Whether an error from this store means the database cannot serve now (disk full,
   * connection lost) rather than a fault in the request: worth a 503 and a retry.
   */
  isUnavailable(error: unknown): boolean;
  /** Resolves when the database answers a trivial query; rejects with why it cannot. */
  ping(): Promise<void>;
  /** Periodic upkeep the database needs from us (run with retention). */
  maintain(): Promise<void>;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreConfig {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path (or `:memory:`). */
  databaseUrl: string;
  maxConnections?: number;
}

export { isPostgresUrl } from './database-url.ts';

/** Opens the store the URL names. Nothing is migrated until `migrate()` is called. */
export function openStore({ databaseUrl, maxConnections }: StoreConfig): Store {
  const { dialect, hooks } = isPostgresUrl(databaseUrl)
    ? createPostgresDialect(databaseUrl, maxConnections === undefined ? {} : { maxConnections })
    : createSqliteDialect(databaseUrl.replace(/^sqlite:(\/\/)?/i, ''));
  const db = new Kysely<Database>({ dialect });

  async function migrate(): Promise<string[]> {
    const migrationTableSchema = await hooks.migrationTableSchema?.(db);
    const migrator = new Migrator({
      db,
      provider: migrationProvider,
      ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`migration ${failed ?? '(unknown)'} failed: ${(error as Error).message ?? error}`, {
        cause: error,
      });
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  return {
    db,
    capabilities: hooks.capabilities,
    transaction: (fn) => db.transaction().execute(fn),
    isUnavailable: (error) => hooks.isUnavailable(error),
    async ping() {
      await sql`select 1`.execute(db);
    },
    exclusive(lockName, fn) {
      return db.transaction().execute(async (trx) => {
        await hooks.lockForTransaction(trx, lockName);
        return fn(trx);
      });
    },
    async maintain() {
      await hooks.maintain?.(db);
    },
    migrate,
    async close() {
      await db.destroy();
      await hooks.afterDestroy?.();
    },
  };
}
