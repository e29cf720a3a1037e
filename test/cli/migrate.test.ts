import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { describeEachBackend, PG_URL } from '../helpers/backends.ts';
import { lines, runVigil, tempDir } from './support.ts';

describeEachBackend('vigil migrate', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('applies 0001_initial to a fresh database, then says it is up to date', async () => {
    const target = await backend.url();
    cleanup = target.cleanup;

    const first = await runVigil(['migrate', '--database-url', target.databaseUrl]);
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)).toEqual([expect.stringMatching(/^applied .*\b0001_initial\b/)]);

    // The environment variable selects the database just as the flag does; a VIGIL_ variable
    // that is no configuration key (a script's VIGIL_URL) is warned about once, not fatal.
    const second = await runVigil(['migrate'], {
      env: { VIGIL_DATABASE_URL: target.databaseUrl, VIGIL_URL: 'http://127.0.0.1:8080' },
    });
    expect(second.code, second.stderr).toBe(0);
    expect(lines(second.stdout)).toEqual(['database is up to date']);
    expect(lines(second.stderr)).toEqual([
      expect.stringMatching(/^vigil: warning: env VIGIL_URL names no configuration key/),
    ]);

    // The schema is really there, in that database.
    const store = openStore({ databaseUrl: target.databaseUrl, maxConnections: 1 });
    try {
      expect(await store.migrate()).toEqual([]);
      const tables = ['nodes', 'api_keys', 'sla_metrics', 'sla_violations'] as const;
      for (const table of tables) {
        const row = await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(row.n)).toBe(0);
      }
    } finally {
      await store.close();
    }
  });

  it('fails with exit 1 and a one-line message when the database cannot be opened', async () => {
    // SQLite creates missing directories, so give it a path below a regular file.
    const scratch = tempDir();
    cleanup = async () => scratch.cleanup();
    const notADir = join(scratch.dir, 'not-a-directory');
    writeFileSync(notADir, '');
    const url =
      backend.name === 'sqlite' ? join(notADir, 'vigil.db') : 'postgres://vigil_nobody@127.0.0.1:1/vigil';
    const result = await runVigil(['migrate', '--database-url', url]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^vigil: \S/);
  });

  // Several coordinators, CI jobs or test suites often share one PostgreSQL database, each in
  // its own schema. Migrating one schema must not depend on what happens to the others. The
  // churn runs in a database of its own so that it cannot disturb any other suite.
  it.runIf(backend.name === 'postgres')(
    'migrates its own schema while other schemas of the database are being dropped',
    async () => {
      const database = `vigil_cli_race_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${database}`);
      await admin.query(`create database ${database}`);
      cleanup = async () => {
        await admin.query(`drop database if exists ${database} with (force)`);
        await admin.end();
      };
      const url = new URL(PG_URL);
      url.pathname = `/${database}`;

      let stop = false;
      const churners = [0, 1, 2, 3].map(async (c) => {
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          for (let i = 0; !stop; i++) {
            const schema = `churn_${c}_${i % 2}`;
            await client.query(`create schema if not exists ${schema}`);
            await client.query(`create table if not exists ${schema}.t (a int)`);
            await client.query(`drop schema ${schema} cascade`);
          }
        } finally {
          await client.end();
        }
      });
      try {
        // `keys list` migrates before it reads, as every command that opens the store does.
        const results = await Promise.all(
          [1, 2, 3, 4, 5, 6].map(() => runVigil(['keys', 'list', '--database-url', url.toString()])),
        );
        expect(results.map((r) => r.stderr)).toEqual(results.map(() => ''));
        expect(results.map((r) => r.code)).toEqual(results.map(() => 0));
      } finally {
        stop = true;
        await Promise.all(churners);
      }
    },
    60_000,
  );
});
