import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { aborted, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('a worker host reconciles the workers the coordinator lists', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('starts an added pool worker, resizes it in place, drains a disabled one and restarts only a bumped one', async () => {
    // Jobs hold their slot until released, so busy slots show the concurrency.
    const release: Array<() => void> = [];
    setJobBehaviour(
      (payload, signal) =>
        new Promise((resolve) => {
          release.push(() => resolve(payload));
          void aborted(signal).then(() => resolve(null));
        }),
    );
    const t = await h.make({ topics: [{ name: 'hash' }, { name: 'render' }] });
    const host = await t.start(
      t.config({
        topics: [
          { topic: 'hash', concurrency: 1, adapter: testModuleAdapter },
          { topic: 'render', adapter: testModuleAdapter },
        ],
      }),
    );
    const mainId = `${t.nodeId}/main`;
    const poolId = `${t.nodeId}/gpu-abc123`;
    const stateOf = (id: string) => host.status().workers.find((w) => w.worker_id === id);
    const statesOf = (id: string) => stateOf(id)?.history.map((s) => s.state) ?? [];
    await eventually('main ready', () => stateOf(mainId)?.state === 'ready');

    t.fake.addWorker({
      worker_id: poolId,
      node_id: t.nodeId,
      pool: 'gpu',
      source: 'api',
      enabled: true,
      generation: 0,
      topics: [{ topic: 'render', concurrency: 2 }],
      verify_topics: [],
    });
    await eventually('pool worker ready', () => stateOf(poolId)?.state === 'ready');
    // Four render jobs: main takes one, the pool worker two; one waits.
    const jobs = Array.from({ length: 4 }, (_, i) => t.fake.submit('render', { i }));
    await eventually('three running', () => jobs.filter((j) => j.status === 'running').length === 3);
    await eventually('pool worker busy on two', () => stateOf(poolId)!.busy_slots === 2);

    t.fake.workers.get(poolId)!.topics = [{ topic: 'render', concurrency: 3 }];
    await eventually('fourth job claimed after the resize', () => stateOf(poolId)!.busy_slots === 3);
    expect(statesOf(poolId)).not.toContain('draining');

    await eventually('four jobs in their adapters', () => release.length === 4);
    for (const done of release.splice(0)) done();
    await eventually('all done', () => jobs.every((j) => j.status === 'succeeded'));

    t.fake.workers.get(poolId)!.enabled = false;
    await eventually('pool worker stopped', () => stateOf(poolId)?.state === 'stopped');
    expect(stateOf(poolId)!.reason).toBe('disabled');
    expect(statesOf(poolId).slice(-2)).toEqual(['draining', 'stopped']);
    await eventually(
      'stopped reported',
      () => t.fake.workers.get(poolId)!.reports.at(-1)?.state === 'stopped',
    );

    t.fake.workers.get(mainId)!.generation = 1;
    await eventually(
      'main restarted',
      () => stateOf(mainId)?.generation === 1 && stateOf(mainId)?.state === 'ready',
    );
    const restart = statesOf(mainId).slice(statesOf(mainId).indexOf('draining'));
    expect(restart).toEqual(['draining', 'stopped', 'starting', 'ready']);
    expect(stateOf(mainId)!.history.find((s) => s.state === 'draining')!.reason).toBe(
      'restart for generation 1',
    );
    // The disabled pool worker was left alone, and the main worker never stopped before.
    expect(statesOf(poolId).filter((s) => s === 'starting')).toHaveLength(1);
    expect(statesOf(mainId).filter((s) => s === 'draining')).toHaveLength(1);

    // Still serving after the restart. The old worker's long polls were abandoned; the job is
    // submitted once the fake has seen them go, or it could hand the job to one of them.
    const restartedAt = Date.now();
    await eventually('old long polls closed', () =>
      t.fake.claims.every((c) => !c.open || c.at_ms >= restartedAt),
    );
    setJobBehaviour(async (payload) => payload);
    const after = t.fake.submit('hash', { after: true });
    await eventually('job after restart', () => after.status === 'succeeded');
    await eventually(
      'generation 1 reported',
      () => t.fake.workers.get(mainId)!.reports.at(-1)!.generation === 1,
    );
  });

  it('stops a worker the coordinator no longer lists', async () => {
    setJobBehaviour(async (payload) => payload);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const host = await t.start(t.config({ topics: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    const poolId = `${t.nodeId}/extra`;
    t.fake.addWorker({
      worker_id: poolId,
      node_id: t.nodeId,
      pool: 'default',
      source: 'api',
      enabled: true,
      generation: 0,
      topics: [{ topic: 'hash', concurrency: 1 }],
      verify_topics: [],
    });
    await eventually(
      'extra ready',
      () => host.status().workers.find((w) => w.worker_id === poolId)?.state === 'ready',
    );
    t.fake.workers.delete(poolId);
    await eventually('extra gone', () => !host.status().workers.some((w) => w.worker_id === poolId));
    const syncs = t.fake.countOf('sync');
    await eventually('a later sync', () => t.fake.countOf('sync') > syncs + 1);
    const last = t.fake.requests.filter((r) => r.route === 'sync').at(-1)!.body as {
      workers: Array<{ worker_id: string }>;
    };
    expect(last.workers.map((w) => w.worker_id)).toEqual([`${t.nodeId}/main`]);
  });

  it('goes to error for a topic without an adapter of its own unless it trusts the coordinator’s', async () => {
    setJobBehaviour(async (payload) => ({ ran: payload }));
    const t = await h.make({ topics: [{ name: 'hash', adapter: testModuleAdapter }] });
    const untrusting = await t.start(t.config({ topics: [{ topic: 'hash' }] }));
    await eventually('error', () => untrusting.status().workers[0]?.state === 'error');
    expect(untrusting.status().workers[0]!.reason).toMatch(/trust_coordinator_adapters is off/);
    await untrusting.stop('next');
    expect(t.fake.countOf('claim')).toBe(0);

    const trusting = await t.start(
      t.config({ trust_coordinator_adapters: true, topics: [{ topic: 'hash' }] }),
    );
    const job = t.fake.submit('hash', { x: 1 });
    await eventually('job done', () => job.status === 'succeeded');
    expect(job.result).toEqual({ ran: { x: 1 } });
    await trusting.stop('done');
  });
});
