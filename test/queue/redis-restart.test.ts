import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/platform/log.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createRedisQueue } from '../../src/queue/redis/queue.ts';
import { eventually, freePort } from '../cli/net.ts';
import { OwnRedis, ownRedisSkipped } from '../helpers/redis.ts';

/**
 * The Redis backend across a lost connection and a restarted server, on a redis-server of the
 * test's own (no persistence, as a cache-like Redis runs), never the shared one. Skipped with
 * the reason when redis-server is not installed, except in CI.
 */
const NOW = 1_795_737_600_000;
const item = (id: string) => ({
  id,
  topic: 'hash',
  payload: '{}',
  attempts: 0,
  maxAttempts: 3,
  availableAt: NOW,
});

/** A logger that keeps what the queue says at info and warn. */
function recordingLogger(): Logger & { infos: string[]; warnings: string[] } {
  const infos: string[] = [];
  const warnings: string[] = [];
  const log = {
    infos,
    warnings,
    debug() {},
    info(_obj: object, msg?: string) {
      infos.push(msg ?? '');
    },
    warn(_obj: object, msg?: string) {
      warnings.push(msg ?? '');
    },
    error() {},
    child: () => log,
  };
  return log;
}

describe.skipIf(ownRedisSkipped)(
  `redis queue across restarts${ownRedisSkipped ? ' (skipped: no redis-server on PATH)' : ''}`,
  () => {
    let server: OwnRedis;
    let queue: JobQueue | undefined;

    beforeAll(async () => {
      server = new OwnRedis(await freePort());
      await server.start();
    });
    afterEach(async () => {
      await queue?.close();
      queue = undefined;
    });
    afterAll(() => server?.dispose());

    it('reconnects after its connection is cut, keeps its items and reports no loss', async () => {
      let lost = 0;
      queue = await createRedisQueue({
        url: server.url,
        prefix: 'cut',
        log: recordingLogger(),
        onContentsLost: () => lost++,
      });
      await queue.enqueue([item('kept')], NOW);

      expect(await server.command('CLIENT', 'KILL', 'TYPE', 'normal')).toBeGreaterThanOrEqual(1);
      const q = queue;
      await eventually(
        'the queue to answer again',
        async () => ((await q.has(['kept'])).has('kept') ? true : undefined),
        5000,
        50,
      );
      expect(lost).toBe(0);
    });

    it('after a restart without persistence it reconnects, reports the lost contents once and works again', async () => {
      let lost = 0;
      const log = recordingLogger();
      queue = await createRedisQueue({
        url: server.url,
        prefix: 'restart',
        log,
        onContentsLost: () => lost++,
      });
      const q = queue;
      await q.enqueue([item('a'), item('b')], NOW);

      await server.kill();
      // Down: calls fail at once instead of waiting for the server.
      await expect(q.enqueue([item('c')], NOW)).rejects.toThrow();
      await expect(q.claim({ topic: 'hash', owner: 'w', max: 1, leaseMs: 1000, now: NOW })).rejects.toThrow();

      await server.start();
      await eventually('onContentsLost', async () => (lost > 0 ? true : undefined), 5000, 50);
      expect(log.warnings.some((w) => w.includes('restarted'))).toBe(true);

      // Nothing survived (no persistence): the coordinator's reconciler re-offers a and b.
      expect(await q.has(['a', 'b'])).toEqual(new Set());
      expect(await q.enqueue([item('a'), item('b')], NOW)).toEqual({ added: 2, existing: 0 });
      const leases = await q.claim({ topic: 'hash', owner: 'w', max: 5, leaseMs: 1000, now: NOW });
      expect(leases.map((l) => l.id)).toEqual(['a', 'b']);
      for (const lease of leases) expect(await q.complete(lease.id, lease.token)).toBe(true);
      expect(lost).toBe(1);
    });
  },
);
