import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/log.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createRedisQueue } from '../../src/queue/redis/queue.ts';
import { freePort } from '../cli/net.ts';
import { deleteKeys, keysUnder, REDIS_URL, redisSkipped, uniquePrefix } from '../helpers/redis.ts';

/**
 * What only the Redis backend has: key prefixes and keys left behind. (Restarts are in
 * redis-restart.test.ts; queue behaviour is the conformance suite's.) The shared Redis is
 * touched only under random prefixes, deleted after each test. Skipped with the reason when
 * Redis is unreachable, except in CI.
 */
const NOW = 1_795_737_600_000;
const item = (id: string, topic: string, payload = '{}') => ({
  id,
  topic,
  payload,
  attempts: 0,
  maxAttempts: 3,
  availableAt: NOW,
});

describe.skipIf(redisSkipped)(
  `redis queue${redisSkipped ? ` (skipped: ${REDIS_URL} unreachable)` : ''}`,
  () => {
    const opened: Array<{ queue: JobQueue; prefix: string }> = [];

    async function open(): Promise<{ queue: JobQueue; prefix: string }> {
      const prefix = uniquePrefix();
      const queue = await createRedisQueue({ url: REDIS_URL, prefix, log: silentLogger });
      opened.push({ queue, prefix });
      return { queue, prefix };
    }

    afterEach(async () => {
      for (const { queue, prefix } of opened.splice(0)) {
        await queue.close();
        await deleteKeys(prefix);
      }
    });

    it('keeps queues with different prefixes apart on one Redis', async () => {
      const a = await open();
      const b = await open();
      await a.queue.enqueue([item('job-1', 'hash', '"from a"'), item('job-2', 'hash')], NOW);
      await b.queue.enqueue([item('job-1', 'hash', '"from b"')], NOW);

      expect(await b.queue.has(['job-1', 'job-2'])).toEqual(new Set(['job-1']));
      const [leaseB] = await b.queue.claim({ topic: 'hash', owner: 'w', max: 10, leaseMs: 1000, now: NOW });
      expect(leaseB?.payload).toBe('"from b"');
      expect(await b.queue.claim({ topic: 'hash', owner: 'w', max: 10, leaseMs: 1000, now: NOW })).toEqual(
        [],
      );

      // b's lease and its token mean nothing to a's item of the same id.
      expect(await a.queue.complete('job-1', leaseB?.token ?? '')).toBe(false);
      expect(await a.queue.remove('job-1')).toBe(true);
      expect(await b.queue.has(['job-1'])).toEqual(new Set(['job-1']));
      expect(await a.queue.stats(NOW)).toMatchObject([{ topic: 'hash', ready: 1, leased: 0 }]);
      expect(await b.queue.stats(NOW)).toMatchObject([{ topic: 'hash', ready: 0, leased: 1 }]);
    });

    it('puts every key under <prefix>:{<prefix>}: so one queue lives in one cluster slot', async () => {
      const { queue, prefix } = await open();
      await queue.enqueue([item('j1', 'alpha'), item('j2', 'beta'), item('j3', 'gamma')], NOW);
      await queue.claim({ topic: 'alpha', owner: 'w', max: 1, leaseMs: 1000, now: NOW });
      const [dying] = await queue.claim({ topic: 'gamma', owner: 'w', max: 1, leaseMs: 1000, now: NOW });
      await queue.fail('j3', dying?.token ?? '', { retryAt: null, now: NOW });

      const keys = await keysUnder(prefix);
      const base = `${prefix}:{${prefix}}:`;
      expect(keys).toEqual(
        ['dead:gamma', 'item:j1', 'item:j2', 'item:j3', 'leased:alpha', 'leases', 'ready:beta', 'topics']
          .map((name) => base + name)
          .sort(),
      );
      // Redis Cluster hashes only what is inside the first braces: the same for every key.
      expect(new Set(keys.map((key) => /\{([^}]*)\}/.exec(key)?.[1]))).toEqual(new Set([prefix]));
    });

    it('leaves no keys behind once every item is finished', async () => {
      const { queue, prefix } = await open();
      await queue.enqueue([item('j1', 'alpha'), item('j2', 'alpha'), item('j3', 'beta')], NOW);
      const leases = await queue.claim({ topic: 'alpha', owner: 'w', max: 2, leaseMs: 1000, now: NOW });
      for (const lease of leases) expect(await queue.complete(lease.id, lease.token)).toBe(true);
      const [dying] = await queue.claim({ topic: 'beta', owner: 'w', max: 1, leaseMs: 1000, now: NOW });
      expect(await queue.fail('j3', dying?.token ?? '', { retryAt: null, now: NOW })).toEqual({
        kind: 'dead',
      });
      expect(await queue.remove('j3')).toBe(true);

      // Stats forget topics left empty; Redis drops empty sets and zsets by itself.
      expect(await queue.stats(NOW)).toEqual([]);
      expect(await keysUnder(prefix)).toEqual([]);
    });

    it('takes an enqueue of large payloads whole (it is split over several scripts)', async () => {
      const { queue } = await open();
      const big = (n: number) => JSON.stringify({ n, pad: 'x'.repeat(600_000) });
      const items = [
        item('big-0', 'hash', big(0)),
        item('big-1', 'hash', big(1)),
        item('big-2', 'hash', big(2)),
      ];
      expect(await queue.enqueue([...items, item('big-1', 'hash')], NOW)).toEqual({ added: 3, existing: 1 });
      const leases = await queue.claim({ topic: 'hash', owner: 'w', max: 10, leaseMs: 1000, now: NOW });
      expect(leases.map((l) => [l.id, l.payload])).toEqual(items.map((i) => [i.id, i.payload]));
    });

    it('refuses to open when Redis does not answer, naming the address', async () => {
      const port = await freePort();
      await expect(
        createRedisQueue({
          url: `redis://:secret@127.0.0.1:${port}`,
          prefix: 'vigil-test',
          log: silentLogger,
        }),
      ).rejects.toThrow(new RegExp(`cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    });
  },
);
