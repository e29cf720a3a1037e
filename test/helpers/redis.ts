import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../cli/net.ts';

/**
 * Redis for tests. The shared server (REDIS_URL) is used only under a random key prefix per
 * test, deleted afterwards; a test that kills or restarts Redis starts an `OwnRedis` instead.
 * Like PostgreSQL in backends.ts, an unreachable Redis (or a missing redis-server) skips its
 * suites with the reason outside CI, and fails them in CI (CI=true).
 */
export const REDIS_URL = process.env.VIGIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function redisProblem(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed."; the socket's own error says why.
  let cause: Error | undefined;
  probe.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    return (cause ?? (error as Error)).message || String(error);
  } finally {
    probe.disconnect();
  }
}

/** Why the shared Redis cannot be used, or null when it answers. */
export const redisUnreachable: string | null = await redisProblem();
/** Whether suites on the shared Redis are skipped: it is unreachable, and this is not CI. */
export const redisSkipped = redisUnreachable !== null && !inCi;
if (redisSkipped) {
  console.warn(`[vigil tests] Redis suites skipped: ${REDIS_URL} unreachable (${redisUnreachable})`);
}

/** A key prefix no other test (or test process) uses. */
export function uniquePrefix(label = 'vigil-test'): string {
  return `${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Every key under `<prefix>:`, sorted (SCAN, so a large shared Redis is never blocked). */
export async function keysUnder(prefix: string, url = REDIS_URL): Promise<string[]> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    admin.disconnect();
  }
}

/** Deletes every key under `<prefix>:`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const keys = await keysUnder(prefix, url);
  if (keys.length === 0) return;
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await admin.del(...keys);
  } finally {
    admin.disconnect();
  }
}

const installed = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
/** Why no redis-server can be started here, or null when one can. */
export const redisServerMissing: string | null =
  installed.status === 0 ? null : (installed.error?.message ?? (installed.stderr || 'redis-server failed'));
/** Whether suites that start their own Redis are skipped: no redis-server, and this is not CI. */
export const ownRedisSkipped = redisServerMissing !== null && !inCi;
if (ownRedisSkipped) {
  console.warn(
    `[vigil tests] suites with a Redis of their own skipped: no redis-server on PATH (${redisServerMissing})`,
  );
}

/**
 * A redis-server child on a fixed port, without persistence (as a cache-like Redis runs), which
 * can be killed and started again on that port: it comes back empty, with a new run id.
 */
export class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  readonly port: number;
  private child: ChildProcess | undefined;
  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits (at most 10 s) until it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', [...args, '--dir', this.dir], { stdio: 'ignore' });
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

  /** SIGKILL: no shutdown, no save; returns once the process is gone. */
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
