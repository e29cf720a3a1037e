import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { openStore, type Store } from '../../src/store/store.ts';

/**
 * One suite, every backend. SQLite always runs; PostgreSQL runs when reachable and is
 * mandatory in CI (CI=true): there an unreachable server fails the suite instead of
 * skipping it. Each opened store is isolated (its own SQLite file, or its own PostgreSQL
 * schema) and cleaned up on close.
 */
export const PG_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A migrated, empty store of its own. */
  open(): Promise<Store>;
  /** The database URL that `open()` would use next, for tests that start real processes. */
  url(): Promise<{ databaseUrl: string; cleanup: () => Promise<void> }>;
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const pgProblem = await postgresReachable();
if (pgProblem !== null && !inCi) {
  console.warn(`[vigil tests] PostgreSQL suites skipped: ${PG_URL} unreachable (${pgProblem})`);
}

const sqlite: TestBackend = {
  name: 'sqlite',
  async url() {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    return {
      databaseUrl: join(dir, 'vigil.db'),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async open() {
    const { databaseUrl, cleanup } = await this.url();
    return withCleanup(openStore({ databaseUrl }), cleanup);
  },
};

const postgres: TestBackend = {
  name: 'postgres',
  async url() {
    if (pgProblem !== null) throw new Error(`PostgreSQL at ${PG_URL} is unreachable: ${pgProblem}`);
    const schema = `vigil_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    return {
      databaseUrl: url.toString(),
      cleanup: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    };
  },
  async open() {
    const { databaseUrl, cleanup } = await this.url();
    return withCleanup(openStore({ databaseUrl, maxConnections: 4 }), cleanup);
  },
};

/** Migrates `store` and makes its close also run `cleanup` (drop the schema, remove the file). */
export async function withCleanup(store: Store, cleanup: () => Promise<void>): Promise<Store> {
  await store.migrate();
  const close = store.close.bind(store);
  return Object.assign(store, {
    async close() {
      await close();
      await cleanup();
    },
  });
}

/** The backends this run covers: PostgreSQL is included when reachable, or always in CI. */
export const backends: readonly TestBackend[] = pgProblem === null || inCi ? [sqlite, postgres] : [sqlite];

/** Declares the same suite once per backend: `describeEachBackend('nodes', (backend) => { … })`. */
export function describeEachBackend(title: string, suite: (backend: TestBackend) => void): void {
  for (const backend of backends) describe(`${title} [${backend.name}]`, () => suite(backend));
  if (!backends.some((b) => b.name === 'postgres')) {
    describe.skip(`${title} [postgres] (skipped: PostgreSQL unreachable at ${PG_URL})`, () => {});
  }
}
