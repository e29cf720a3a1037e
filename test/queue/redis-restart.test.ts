import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/coordinator/log.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import { createRedisQueue } from '../../src/queue/redis/queue.ts';
import { eventually, freePort } from '../cli/net.ts';

/**
 * The Redis backend across a lost connection and a restarted server, on a redis-server of the
 * test's own (no persistence, as a cache-like Redis runs), never the shared one. Skipped with
 * the reason when redis-server is not installed, except in CI.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const installed = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
const missing = installed.status === 0 ? null : (installed.error?.message ?? installed.stderr);
const skip = missing !== null && !inCi;
if (skip) console.warn(`[vigil tests] Redis restart suite skipped: no redis-server on PATH (${missing})`);

const NOW = 1_795_737_600_000;
const item = (id: string) => ({
  id,
  topic: 'hash',
  payload: '{}',
  attempts: 0,
  maxAttempts: 3,
  availableAt: NOW,
});

/** A redis-server child on a fixed port, which can be killed and started again on that port. */
class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  private child: ChildProcess | undefined;
  readonly port: number;
  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    await eventually(
      `redis-server on port ${this.port}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        const probe = new Redis(this.url, {
          lazyConnect: true,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
        });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG' ? true : undefined;
        } finally {
          probe.disconnect();
        }
      },
      10_000,
      50,
    );
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Runs one command on the server from a client of its own. */
  async command(...args: [string, ...(string | number)[]]): Promise<unknown> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0 });
    try {
      return await client.call(...args);
    } finally {
      client.disconnect();
    }
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

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

describe.skipIf(skip)(
  `redis queue across restarts${skip ? ' (skipped: no redis-server on PATH)' : ''}`,
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
