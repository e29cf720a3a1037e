import { expect, it } from 'vitest';
import type { Replica } from '../../src/autoscaler/deployers/deployer.ts';
import type { MetricSource } from '../../src/autoscaler/sources/source.ts';
import { listDecisions } from '../../src/store/repositories/autoscaler.ts';
import { nodeWithWorker, submitted, useWorkApi } from '../coordinator/jobs/support.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { autoscalerConfig, hashPool, useAutoscalers } from './support.ts';

/**
 * What one tick does beyond choosing a count: which replicas a scale-down takes (by their
 * nodes' load, the replica and node named apart as the docker deployer names them), what it
 * logs, and what it does when a source fails under a pool that is already running.
 */
describeEachBackend('autoscaler decisions', (backend) => {
  const api = useWorkApi(backend);
  const { start, acting } = useAutoscalers(api);

  const nodeState = async (id: string) =>
    (
      (await api().app.inject({ method: 'GET', url: `/nodes/${id}`, headers: api().as('read') })).json() as {
        state: string;
      }
    ).state;

  it('keeps the busy replica and removes the idle one, looking each up by its node, and retires only that node', async () => {
    const busy = await nodeWithWorker(api(), 'busy');
    const idle = await nodeWithWorker(api(), 'idle');
    await api()
      .store.db.updateTable('workers')
      .set({ busy_slots: 2 })
      .where('worker_id', '=', busy.workerId)
      .execute();
    // The busy one is the newer: known nothing of, the newest would go first.
    const platform = new Map<string, Replica>([
      [
        'vigil-hash-pool-1',
        { id: 'vigil-hash-pool-1', state: 'running', started_at: 1_000, node_id: idle.node.id },
      ],
      [
        'vigil-hash-pool-2',
        { id: 'vigil-hash-pool-2', state: 'running', started_at: 2_000, node_id: busy.node.id },
      ],
    ]);
    const shrinking = {
      ...hashPool,
      min_replicas: 1,
      policies: [{ kind: 'target', metric: 'topic.backlog', target: 10 }],
      scale_down: { stabilization_s: 0 },
    };
    const { autoscaler, deployers } = start(api(), autoscalerConfig([shrinking], { queue_poll_ms: 60_000 }), {
      platform,
    });
    await acting(autoscaler);

    expect(deployers[0]?.calls[0]).toEqual({ count: 1, remove: ['vigil-hash-pool-1'] });
    expect([...platform.keys()]).toEqual(['vigil-hash-pool-2']);
    expect(await nodeState(idle.node.id)).toBe('deleted');
    expect(await nodeState(busy.node.id)).toBe('active');
  });

  it('logs one "autoscaler decision" line per decision that changed the count or made the deployer act, none for the others', async () => {
    const log = captureLog();
    const { autoscaler, deployers } = start(api(), autoscalerConfig([hashPool], { queue_poll_ms: 60_000 }), {
      log,
    });
    await acting(autoscaler);
    const lines = () => log.entries.filter((e) => e.msg === 'autoscaler decision');
    // Nothing queued, nothing running: 0 → 0 twice, and nothing said.
    await autoscaler.tickNow('hash-pool');
    expect(lines()).toEqual([]);

    for (let i = 0; i < 60; i++) await submitted(api(), 'hash', { i });
    const up = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    const desired = up?.kind === 'decided' ? up.desired : -1;
    expect(desired).toBeGreaterThan(0);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({
      level: 'info',
      fields: {
        target: 'hash-pool',
        tick: 'interval',
        reason: 'scale_up',
        actual: 0,
        previous_desired: 0,
        desired,
        started: desired,
        stopping: [],
      },
    });

    // The same count, all of it running: nothing changed, nothing said.
    await autoscaler.tickNow('hash-pool');
    expect(lines()).toHaveLength(1);

    // The same count, but the replicas vanished: the deployer starts them again, which is said.
    deployers[0]!.platform.clear();
    await autoscaler.tickNow('hash-pool');
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({
      fields: { actual: 0, previous_desired: desired, desired, started: desired },
    });

    const decisions = await listDecisions(api().store.db, { target: 'hash-pool', limit: 50 });
    const changed = decisions.filter(
      (d) => d.action !== null || d.desired !== (d.previous_desired ?? d.actual),
    );
    expect(decisions.length).toBeGreaterThanOrEqual(5);
    expect(changed).toHaveLength(lines().length);
  });

  it('holds a running pool above its minimum when its source fails at run time: a metric and a warning, never fewer replicas', async () => {
    let failing = false;
    const pending: MetricSource = {
      kind: 'redis',
      read: async () => {
        if (failing) throw new Error('redis-list source: cannot reach Redis (ECONNREFUSED)');
        return { value: 30, at: api().clock.now };
      },
      close: async () => {},
    };
    const pool = {
      ...hashPool,
      min_replicas: 1,
      sources: [{ name: 'pending', kind: 'redis', url: 'redis://127.0.0.1:1', key: 'k' }],
      policies: [{ kind: 'target', metric: 'pending', target: 10 }],
      scale_down: { stabilization_s: 0 },
      cooldown_s: 0,
    };
    const log = captureLog();
    const { autoscaler, deployers, registry, platform } = start(
      api(),
      autoscalerConfig([pool], { queue_poll_ms: 60_000 }),
      { sources: { pending }, log },
    );
    await acting(autoscaler);
    // 30 pending at 10 a replica: 3.
    expect(platform.size).toBe(3);
    const calls = deployers[0]!.calls.length;

    failing = true;
    for (let i = 0; i < 3; i++) {
      const held = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
      expect(held).toMatchObject({ kind: 'decided', reason: 'no_data', actual: 3, desired: 3 });
    }
    expect(platform.size).toBe(3);
    expect(deployers[0]!.calls).toHaveLength(calls);
    expect(await registry.metrics()).toMatch(
      /vigil_autoscaler_source_errors_total\{target="hash-pool",source="pending"\} 3/,
    );
    const warnings = log.entries.filter((e) => e.level === 'warn' && e.fields['source'] === 'pending');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]?.msg).toMatch(/could not be read/);
    expect(String(warnings[0]?.fields['err'])).toMatch(/ECONNREFUSED/);
    expect(log.entries.filter((e) => e.msg === 'autoscaler decision')).toHaveLength(1);
  });
});
