import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../../helpers/backends.ts';
import { deleteKeys, REDIS_URL, redisSkipped, uniquePrefix } from '../../helpers/redis.ts';
import {
  claim,
  jobOf,
  LEASE_MS,
  nodeWithWorker,
  outcomesOf,
  resultOf,
  sendResults,
  submitted,
  useWorkApi,
} from './support.ts';

/**
 * The job service over the Redis queue: the record stays in the store, only dispatch moves.
 * The rest of the job suites run on the in-database queue; this one shows the service needs
 * nothing of a backend beyond `JobQueue`. Skipped with the reason when Redis is unreachable,
 * except in CI.
 */
describe.skipIf(redisSkipped)(
  `jobs on the Redis queue${redisSkipped ? ` (skipped: ${REDIS_URL} unreachable)` : ''}`,
  () => {
    const sqlite = backends.find((b) => b.name === 'sqlite')!;
    const prefixes: string[] = [];
    const api = useWorkApi(sqlite, {
      adjust: (c) => {
        const prefix = uniquePrefix('vigil-jobs-test');
        prefixes.push(prefix);
        c.queue.backend = 'redis';
        c.queue.redis_url = REDIS_URL;
        c.queue.redis_prefix = prefix;
      },
    });
    afterEach(async () => {
      for (const prefix of prefixes.splice(0)) await deleteKeys(prefix);
    });

    it('runs a job through a lease expiry to a success on another node, and rebuilds a lost queue', async () => {
      expect(api().work.queue.backend).toBe('redis');
      const a = await nodeWithWorker(api(), 'node-a');
      const b = await nodeWithWorker(api(), 'node-b');
      const id = await submitted(api(), 'hash');
      const [first] = await claim(api(), a, 'hash');
      api().clock.now += LEASE_MS + 1;
      expect(await api().work.jobs.recoverExpired()).toEqual({ recovered: 1 });
      const [second] = await claim(api(), b, 'hash');
      expect(second).toMatchObject({ job_id: id, attempt: 2 });
      expect(await sendResults(api(), a.node, [resultOf(first!, a.workerId, api().clock.now)])).toEqual([
        'lost',
      ]);
      expect(await sendResults(api(), b.node, [resultOf(second!, b.workerId, api().clock.now)])).toEqual([
        'recorded',
      ]);
      expect((await outcomesOf(api(), id)).map((o) => o.status)).toEqual(['failure', 'success']);

      // A Redis that came back empty: every unfinished job is offered again from the record.
      const lost = await submitted(api(), 'hash');
      expect(await api().work.queue.remove(lost)).toBe(true);
      expect(await api().work.jobs.reconcile({ everything: true })).toMatchObject({ reoffered: 1 });
      const [again] = await claim(api(), a, 'hash');
      expect(again?.job_id).toBe(lost);
      expect(await jobOf(api(), lost)).toMatchObject({ status: 'running', node_id: a.node.id });
    });
  },
);
