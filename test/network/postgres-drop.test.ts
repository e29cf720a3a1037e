import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { call, eventually } from '../cli/net.ts';
import { backends, PG_URL } from '../helpers/backends.ts';
import { startPrimesWorker, startWorkCoordinator, successesPerJob } from './work-run.ts';

const postgres = backends.find((b) => b.name === 'postgres');

/**
 * The coordinator's PostgreSQL connections are all killed mid-run (a failover, a restarted
 * pooler): the requests that were using them fail, the pool opens new ones, and the worker,
 * which retries what failed, carries on. Every job finishes, each with one success outcome.
 * Only this test's connections are killed: they carry an application_name of their own.
 */
describe.skipIf(postgres === undefined)(
  `a dropped PostgreSQL connection${postgres === undefined ? ` (skipped: PostgreSQL unreachable at ${PG_URL})` : ''}`,
  () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('the worker recovers and every job finishes once', async () => {
      const { databaseUrl, cleanup } = await (postgres as NonNullable<typeof postgres>).url();
      cleanups.push(cleanup);
      const applicationName = `vigil-drop-${Math.random().toString(36).slice(2, 10)}`;
      const url = new URL(databaseUrl);
      url.searchParams.set('application_name', applicationName);
      const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-drop-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

      const { coordinator, operatorKey } = await startWorkCoordinator(dir, url.toString());
      cleanups.push(() => coordinator.close());
      const host = await startPrimesWorker(coordinator.url, dir, operatorKey, 2);
      cleanups.push(() => host.stop('test over'));
      const db = coordinator.store.db;

      // A tenant whose submission met a killed connection (a 500) sends it again with the same
      // idempotency key, as a careful client does; the job is submitted once either way.
      const submit = async (n: number) => {
        const send = () =>
          call(coordinator.url, 'POST', '/jobs', {
            key: operatorKey,
            body: { topic: 'primes', payload: { below: 5000 + n }, idempotency_key: `job-${n}` },
          });
        let reply = await send();
        if (reply.status >= 500) reply = await send();
        expect([200, 201], reply.text).toContain(reply.status);
      };
      // Read through the coordinator's own pool: right after the kill a read may fail once,
      // which `eventually` retries, as the worker does.
      const succeeded = async () => {
        const row = await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'succeeded')
          .executeTakeFirstOrThrow();
        return Number(row.n);
      };

      for (let n = 0; n < 20; n++) await submit(n);
      await eventually(
        'the first jobs done',
        async () => ((await succeeded()) >= 5 ? true : undefined),
        20_000,
      );

      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      const killed = await admin
        .query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
          [applicationName],
        )
        .finally(() => admin.end());
      expect(killed.rows.length).toBeGreaterThan(0);

      for (let n = 20; n < 40; n++) await submit(n);
      await eventually('every job done', async () => ((await succeeded()) === 40 ? true : undefined), 30_000);

      const perJob = await successesPerJob(db);
      expect(perJob.size).toBe(40);
      expect([...perJob.values()].every((n) => n === 1)).toBe(true);
      expect(host.status().workers[0]?.state).toMatch(/ready|working/);
    }, 60_000);
  },
);
