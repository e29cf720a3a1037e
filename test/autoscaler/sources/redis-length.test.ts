import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisLengthSource,
  type RedisLengthConfig,
} from '../../../src/autoscaler/sources/redis-length.ts';
import { type MetricSource, SourceConfigError, SourceError } from '../../../src/autoscaler/sources/source.ts';
import { eventually, freePort } from '../../cli/net.ts';
import {
  deleteKeys,
  OwnRedis,
  ownRedisSkipped,
  REDIS_URL,
  redisSkipped,
  uniquePrefix,
} from '../../helpers/redis.ts';

/**
 * The Redis length source against the shared Redis, under a random key prefix per test that is
 * deleted afterwards. Skipped with the reason when Redis is unreachable, except in CI.
 */
const NOW = 1_795_737_600_000;

describe('redis length source: configuration', () => {
  const base: RedisLengthConfig = { kind: 'redis', url: REDIS_URL, key: 'q', type: 'list' };
  const refused: Array<[string, Partial<RedisLengthConfig> & Record<string, unknown>, RegExp]> = [
    ['a URL that is not one', { url: 'not a url' }, /redis-list source: url is not a URL/],
    [
      'an http URL',
      { url: 'http://127.0.0.1:6379' },
      /url must start with redis:\/\/ or rediss:\/\/, not http:\/\//,
    ],
    ['no URL', { url: '' }, /url is required/],
    ['an empty key', { key: ' ' }, /redis-list source: key must be a non-empty string/],
    ['an unknown type', { type: 'hash' as 'list' }, /type must be one of list, stream, zset, not hash/],
    ['a group on a list', { group: 'g' }, /group applies to a stream only/],
    ['a score range on a stream', { type: 'stream', max_score: 'now' }, /max_score applies to a zset only/],
    [
      'a reversed score range',
      { type: 'zset', min_score: 5, max_score: 1 },
      /min_score \(5\) is above max_score \(1\)/,
    ],
    [
      'a score that is not one',
      { type: 'zset', min_score: 'soon' as 'now' },
      /min_score must be a number or "now"/,
    ],
    ['a timeout of zero', { timeout_ms: 0 }, /timeout_ms must be a whole number of milliseconds ≥ 1, not 0/],
  ];
  it.each(refused)('refuses %s when built', (_what, change, message) => {
    const build = () => createRedisLengthSource({ ...base, ...change } as RedisLengthConfig);
    expect(build).toThrow(SourceConfigError);
    expect(build).toThrow(message);
  });

  it('never prints the password of a URL it refuses', () => {
    expect(() => createRedisLengthSource({ ...base, url: 'redis://user:s3cret@[bad' })).toThrow(
      /^(?!.*s3cret).*$/s,
    );
  });
});

describe('redis length source: unreachable Redis', () => {
  it('fails each read with a SourceError naming the target, and closes', async () => {
    const port = await freePort();
    const source = createRedisLengthSource({
      kind: 'redis',
      url: `redis://:pw@127.0.0.1:${port}`,
      key: 'q',
      type: 'list',
      timeout_ms: 1000,
    });
    const first = source.read();
    await expect(first).rejects.toThrow(SourceError);
    await expect(first).rejects.toThrow(
      `redis-list source: cannot reach Redis at redis://:***@127.0.0.1:${port}`,
    );
    // The second read comes while ioredis reconnects in the background: it fails at once.
    await expect(source.read()).rejects.toThrow(/ECONNREFUSED/);
    await source.close();
    await expect(source.read()).rejects.toThrow('redis-list source: closed');
  });
});

describe.skipIf(ownRedisSkipped)(
  `redis length source across a Redis restart${ownRedisSkipped ? ' (skipped: no redis-server)' : ''}`,
  () => {
    it('fails reads while Redis is down and reads again once it is back, on the same source', async () => {
      const redis = new OwnRedis(await freePort());
      const source = createRedisLengthSource({
        kind: 'redis',
        url: redis.url,
        key: 'jobs',
        type: 'list',
        timeout_ms: 1000,
      });
      try {
        await redis.start();
        await redis.command('RPUSH', 'jobs', 'a', 'b');
        expect((await source.read()).value).toBe(2);

        await redis.kill();
        const down = source.read();
        await expect(down).rejects.toThrow(SourceError);
        await expect(down).rejects.toThrow(`redis-list source: cannot reach Redis at ${redis.url}`);

        // Back, empty (no persistence): the source's own reconnect finds it.
        await redis.start();
        await redis.command('RPUSH', 'jobs', 'c');
        const value = await eventually(
          'a read after the restart',
          async () => (await source.read()).value,
          10_000,
          100,
        );
        expect(value).toBe(1);
      } finally {
        await source.close();
        await redis.dispose();
      }
    });
  },
);

describe.skipIf(redisSkipped)(
  `redis length source${redisSkipped ? ` (skipped: ${REDIS_URL} unreachable)` : ''}`,
  () => {
    let admin: Redis;
    let prefix: string;
    const sources: MetricSource[] = [];
    const open = (config: Omit<RedisLengthConfig, 'kind' | 'url'>) => {
      const source = createRedisLengthSource(
        { kind: 'redis', url: REDIS_URL, ...config },
        { now: () => NOW },
      );
      sources.push(source);
      return source;
    };

    beforeAll(() => {
      admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    });
    afterAll(() => admin.disconnect());
    afterEach(async () => {
      for (const source of sources.splice(0)) await source.close();
      await deleteKeys(prefix);
    });
    const keyed = (name: string) => {
      prefix = uniquePrefix('vigil-test-sources');
      return `${prefix}:${name}`;
    };

    it('reads a list length with LLEN, and 0 for a missing key', async () => {
      const key = keyed('bot-jobs');
      const source = open({ key, type: 'list' });
      expect(source.kind).toBe('redis-list');
      // Reads at the same time as the first one wait for its connection rather than fail.
      expect(await Promise.all([source.read(), source.read(), source.read()])).toEqual([
        { value: 0, at: NOW },
        { value: 0, at: NOW },
        { value: 0, at: NOW },
      ]);
      await admin.rpush(key, 'a', 'b', 'c');
      expect(await source.read()).toEqual({ value: 3, at: NOW });
      await admin.lpop(key);
      expect((await source.read()).value).toBe(2);
    });

    it('reads a stream length with XLEN, or the pending entries of a consumer group', async () => {
      const key = keyed('events');
      for (let i = 0; i < 5; i++) await admin.xadd(key, '*', 'n', String(i));
      await admin.xgroup('CREATE', key, 'bots', '0');
      const all = open({ key, type: 'stream' });
      const pending = open({ key, type: 'stream', group: 'bots' });
      expect((await all.read()).value).toBe(5);
      expect((await pending.read()).value).toBe(0);

      // Three delivered to a consumer, one of them acknowledged: two pending.
      const delivered = (await admin.xreadgroup('GROUP', 'bots', 'c1', 'COUNT', 3, 'STREAMS', key, '>')) as [
        string,
        [string, string[]][],
      ][];
      const ids = delivered[0]?.[1].map(([id]) => id) ?? [];
      expect(ids).toHaveLength(3);
      await admin.xack(key, 'bots', ids[0] as string);
      expect((await pending.read()).value).toBe(2);
      expect((await all.read()).value).toBe(5);
    });

    it('says when the consumer group does not exist', async () => {
      const key = keyed('events');
      await admin.xadd(key, '*', 'n', '1');
      const source = open({ key, type: 'stream', group: 'nobody' });
      await expect(source.read()).rejects.toThrow(
        new RegExp(`stream "${key}" has no consumer group "nobody"`),
      );
    });

    it('reads a sorted set with ZCARD, or ZCOUNT over a score range up to now', async () => {
      const key = keyed('delayed');
      await admin.zadd(
        key,
        NOW - 2000,
        'due-1',
        NOW - 1,
        'due-2',
        NOW,
        'due-now',
        NOW + 1,
        'later',
        NOW + 60_000,
        'much-later',
      );
      expect((await open({ key, type: 'zset' }).read()).value).toBe(5);
      expect((await open({ key, type: 'zset', max_score: 'now' }).read()).value).toBe(3);
      expect((await open({ key, type: 'zset', min_score: 'now' }).read()).value).toBe(3);
      expect((await open({ key, type: 'zset', min_score: NOW - 1, max_score: NOW + 1 }).read()).value).toBe(
        3,
      );
    });

    it('turns WRONGTYPE into a SourceError that names the real type', async () => {
      const key = keyed('wrong');
      await admin.hset(key, 'a', '1');
      const read = open({ key, type: 'list' }).read();
      await expect(read).rejects.toThrow(SourceError);
      await expect(read).rejects.toThrow(
        new RegExp(`redis-list source: key "${key}" holds a hash, not a list \\(WRONGTYPE`),
      );
      await admin.del(key);
      await admin.rpush(key, 'x');
      await expect(open({ key, type: 'zset' }).read()).rejects.toThrow(/holds a list, not a sorted set/);
    });

    it('closes its connection, and a second close does nothing', async () => {
      const source = open({ key: keyed('q'), type: 'list' });
      const name = 'vigil-autoscaler-source';
      const clients = async () =>
        ((await admin.client('LIST')) as string).split('\n').filter((l) => l.includes(`name=${name}`));
      const before = (await clients()).length;
      await source.read();
      expect((await clients()).length).toBe(before + 1);
      await source.close();
      await source.close();
      await expect.poll(async () => (await clients()).length).toBe(before);
    });
  },
);
