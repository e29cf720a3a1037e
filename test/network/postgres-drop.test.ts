import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.ts';
import { topicSchema } from '../../src/config/topic-schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { silentLogger } from '../../src/coordinator/log.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import { workerConfigSchema } from '../../src/worker/config.ts';
import { startWorkerHost, type WorkerHost } from '../../src/worker/host.ts';
import { eventually } from '../cli/net.ts';
import { backends, PG_URL } from '../helpers/backends.ts';

const PRIMES = fileURLToPath(new URL('../../examples/adapters/primes.mjs', import.meta.url));
const postgres = backends.find((b) => b.name === 'postgres');

/**
 * The coordinator's PostgreSQL connections are all killed mid-run (a failover, a restarted
 * pooler): the requests that were using them fail, the pool opens new ones, and the worker,
 * which retries what failed, carries on. Every job finishes, each with one success outcome.
 * Only this test's connections are killed: they carry an application_name of their own.
 */
(postgres === undefined ? describe.skip : describe)(
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

      const config = defaultConfig();
      config.database_url = url.toString();
      config.port = 0;
      config.auth.signing_key_path = join(dir, 'coordinator.key');
      config.queue.lease_ms = 3000;
      config.queue.recover_interval_ms = 500;
      config.topics = [
        topicSchema.parse({
          name: 'primes',
          timeout_ms: 5000,
          max_attempts: 5,
          backoff: { kind: 'uniform', initial_ms: 100, max_ms: 100 },
        }),
      ];
      const coordinator: RunningCoordinator = await startCoordinator(config, { log: silentLogger });
      cleanups.push(() => coordinator.close());
      const operator = await createApiKey(coordinator.store.db, 'operator', 'drop test');

      const host: WorkerHost = await startWorkerHost(
        workerConfigSchema.parse({
          coordinator_url: coordinator.url,
          key_path: join(dir, 'node.key'),
          data_dir: join(dir, 'worker'),
          request_timeout_ms: 2000,
          heartbeat_interval_ms: 300,
          claim_wait_ms: 500,
          retry_delay_ms: 100,
          outbox_max_backoff_ms: 500,
          topics: [{ topic: 'primes', concurrency: 2, adapter: { kind: 'module', path: PRIMES } }],
        }),
        { env: { VIGIL_WORKER_API_KEY: operator.key } },
      );
      cleanups.push(() => host.stop('test over'));

      const submit = async (n: number) => {
        const response = await fetch(`${coordinator.url}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${operator.key}` },
          body: JSON.stringify({
            topic: 'primes',
            payload: { below: 5000 + n },
            idempotency_key: `job-${n}`,
          }),
        });
        expect(response.status).toBe(201);
      };
      const succeeded = async () => {
        const { rows } = await query<{ n: string }>(
          url,
          "select count(*) as n from jobs where status = 'succeeded'",
        );
        return Number(rows[0]?.n);
      };

      for (let n = 0; n < 20; n++) await submit(n);
      await eventually(
        'the first jobs done',
        async () => ((await succeeded()) >= 5 ? true : undefined),
        20_000,
      );

      const killed = await query<{ pid: number }>(
        new URL(PG_URL),
        'select pg_terminate_backend(pid) as pid from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
        [applicationName],
      );
      expect(killed.rows.length).toBeGreaterThan(0);

      for (let n = 20; n < 40; n++) await submit(n);
      await eventually('every job done', async () => ((await succeeded()) === 40 ? true : undefined), 30_000);

      const outcomes = await query<{ job: string; n: string }>(
        url,
        "select split_part(job_id, ':', 1) as job, count(*) as n from job_outcomes where status = 'success' group by 1",
      );
      expect(outcomes.rows).toHaveLength(40);
      expect(outcomes.rows.every((r) => Number(r.n) === 1)).toBe(true);
      expect(host.status().workers[0]?.state).toMatch(/ready|working/);
    }, 60_000);
  },
);

/** One query on a connection of its own (never the coordinator's pool, which the test kills). */
async function query<T extends pg.QueryResultRow>(
  url: URL,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<T>> {
  const safe = new URL(url);
  safe.searchParams.delete('application_name');
  const client = new pg.Client({ connectionString: safe.toString() });
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}
