import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, eventually, freePort } from '../cli/net.ts';
import { OwnRedis, ownRedisSkipped, uniquePrefix } from '../helpers/redis.ts';
import { startPrimesWorker, startWorkCoordinator, successesPerJob } from './work-run.ts';

/** Sieving below 2,000,000 takes the worker several ms a job (one at a time). */
const BELOW = 2_000_000;
const BEFORE = 60;
const WHILE_DOWN = 5;

/**
 * Redis (without persistence) is killed mid-run and started again empty on the same port. Jobs
 * submitted while it is down are accepted, since the `jobs` table is the record; after the
 * restart the coordinator sees a new run id and re-offers every unfinished job from that
 * record. Every job ends succeeded, each with one success outcome.
 */
describe.skipIf(ownRedisSkipped)(
  `a Redis restarted mid-run${ownRedisSkipped ? ' (skipped: no redis-server on PATH)' : ''}`,
  () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('loses no job: every accepted job succeeds once', async () => {
      const redis = new OwnRedis(await freePort());
      cleanups.push(() => redis.dispose());
      await redis.start();
      const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-restart-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

      const { coordinator, operatorKey } = await startWorkCoordinator(
        dir,
        join(dir, 'vigil.db'),
        (config) => {
          config.queue.backend = 'redis';
          config.queue.redis_url = redis.url;
          config.queue.redis_prefix = uniquePrefix('vigil-restart');
          // Far beyond the test: only the restart's own re-offer can bring the lost jobs back in time.
          config.queue.reconcile_interval_s = 3600;
        },
      );
      cleanups.push(() => coordinator.close());
      const db = coordinator.store.db;

      const submit = async (n: number) => {
        const reply = await call(coordinator.url, 'POST', '/jobs', {
          key: operatorKey,
          body: { topic: 'primes', payload: { below: BELOW - n }, idempotency_key: `job-${n}` },
        });
        expect(reply.status, reply.text).toBe(201);
        return (reply.body as { job_id: string }).job_id;
      };
      const countOf = async (status: 'succeeded' | 'running' | 'queued') => {
        const row = await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', status)
          .executeTakeFirstOrThrow();
        return Number(row.n);
      };

      const accepted: string[] = [];
      for (let n = 0; n < BEFORE; n++) accepted.push(await submit(n));
      // The worker starts once every job is in: most are still queued when Redis is killed.
      const host = await startPrimesWorker(coordinator.url, dir, operatorKey, 1);
      cleanups.push(() => host.stop('test over'));
      await eventually(
        'the first jobs done and another running',
        async () => ((await countOf('succeeded')) >= 3 && (await countOf('running')) >= 1 ? true : undefined),
        10_000,
        20,
      );

      await redis.kill();
      // Unfinished now: queued or leased in the Redis just lost (nothing more is claimed without it).
      expect((await countOf('queued')) + (await countOf('running'))).toBeGreaterThan(0);

      // Accepted while Redis is down: the record is written first, the queue is offered it later.
      for (let n = BEFORE; n < BEFORE + WHILE_DOWN; n++) {
        const id = await submit(n);
        accepted.push(id);
        const job = await call(coordinator.url, 'GET', `/jobs/${id}`, { key: operatorKey });
        expect(job.status).toBe(200);
        expect(job.body).toMatchObject({ job_id: id, status: 'queued' });
      }

      await redis.start();
      await eventually(
        'every accepted job done',
        async () => ((await countOf('succeeded')) === accepted.length ? true : undefined),
        20_000,
        100,
      );

      const perJob = await successesPerJob(db);
      expect([...perJob.keys()].sort()).toEqual([...accepted].sort());
      expect([...perJob.values()].every((n) => n === 1)).toBe(true);
      expect(host.status().workers[0]?.state).toMatch(/ready|working/);
    }, 30_000);
  },
);
