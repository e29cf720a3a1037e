import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../../helpers/backends.ts';
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
const REDIS_URL = process.env.VIGIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function redisProblem(): Promise<string | null> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    probe.disconnect();
  }
}

const problem = await redisProblem();
const skip = problem !== null && !inCi;
if (skip) console.warn(`[vigil tests] jobs on Redis skipped: ${REDIS_URL} unreachable (${problem})`);

describe.skipIf(skip)(`jobs on the Redis queue${skip ? ` (skipped: ${REDIS_URL} unreachable)` : ''}`, () => {
  const sqlite = backends.find((b) => b.name === 'sqlite')!;
  const prefixes: string[] = [];
  const api = useWorkApi(sqlite, {
    adjust: (c) => {
      const prefix = `vigil-jobs-test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
      prefixes.push(prefix);
      c.queue.backend = 'redis';
      c.queue.redis_url = REDIS_URL;
      c.queue.redis_prefix = prefix;
    },
  });
  afterEach(async () => {
    const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    for (const prefix of prefixes.splice(0)) {
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    admin.disconnect();
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
});
