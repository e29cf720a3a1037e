import { expect, it } from 'vitest';
import type { Replica } from '../../src/autoscaler/deployers/deployer.ts';
import type { MetricSource } from '../../src/autoscaler/sources/source.ts';
import { listDecisions, patchTargetRow } from '../../src/store/repositories/autoscaler.ts';
import { seedHourlySeries } from '../coordinator/capacity/support.ts';
import { nodeWithWorker, submitted, useWorkApi } from '../coordinator/jobs/support.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { autoscalerConfig, hashPool, useAutoscalers } from './support.ts';

describeEachBackend('the autoscaler role', (backend) => {
  const api = useWorkApi(backend);
  const { start, acting } = useAutoscalers(api);

  it('scales a topic’s pool to its backlog, records why, and asks the deployer for the difference', async () => {
    // Only the ticks the test asks for: the queue is looked at once, at the start.
    const { autoscaler, deployers, registry } = start(
      api(),
      autoscalerConfig([hashPool], { queue_poll_ms: 60_000 }),
    );
    await acting(autoscaler);
    for (let i = 0; i < 60; i++) await submitted(api(), 'hash', { i });
    const outcome = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    // 60 jobs of 1 s within 20 s less one service time, none running yet: 60 / 19 → 4 replicas,
    // the first of which serve only after the 2 s start-up: more than 4.
    expect(outcome).toMatchObject({ kind: 'decided', reason: 'scale_up', actual: 0 });
    const desired = outcome?.kind === 'decided' ? outcome.desired : 0;
    expect(desired).toBeGreaterThanOrEqual(4);
    expect(deployers[0]?.calls).toEqual([{ count: desired, remove: [] }]);

    const [decision] = await listDecisions(api().store.db, { target: 'hash-pool', limit: 1 });
    // The tick at start found nothing to do: 0.
    expect(decision).toMatchObject({ reason: 'scale_up', actual: 0, desired, previous_desired: 0 });
    expect(JSON.parse(decision!.inputs)).toMatchObject({ 'topic.backlog': { value: 60 } });
    expect(JSON.parse(decision!.proposals)).toEqual([
      expect.objectContaining({ policy: 'backlog', replicas: desired }),
    ]);
    expect(JSON.parse(decision!.action!)).toMatchObject({ started: expect.any(Array), stopping: [] });
    const metrics = await registry.metrics();
    expect(metrics).toContain(`vigil_autoscaler_desired_replicas{target="hash-pool"} ${desired}`);
    expect(metrics).toMatch(/vigil_autoscaler_decisions_total\{target="hash-pool",reason="scale_up"\} 1/);

    // Level-triggered: replicas that vanish (a crash) are started again at the next tick.
    deployers[0]!.platform.clear();
    const again = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    expect(again).toMatchObject({ kind: 'decided', actual: 0 });
    expect(deployers[0]!.platform.size).toBe(again?.kind === 'decided' ? again.desired : -1);
  });

  it('deregisters the node of a replica a scale-down stopped, so it does not go silent in the fleet', async () => {
    const { node } = await nodeWithWorker(api(), 'replica');
    // Named as the docker deployer names its containers: the node is the deployer's node_id.
    const replica = 'vigil-hash-pool-1';
    const platform = new Map<string, Replica>([
      [replica, { id: replica, state: 'running', started_at: 0, node_id: node.id }],
    ]);
    const idle = {
      ...hashPool,
      policies: [{ kind: 'target', metric: 'topic.backlog', target: 10 }],
      scale_down: { stabilization_s: 0 },
    };
    const { autoscaler } = start(api(), autoscalerConfig([idle], { queue_poll_ms: 60_000 }), { platform });
    await acting(autoscaler);
    expect(platform.size).toBe(0);
    const answer = await api().app.inject({
      method: 'GET',
      url: `/nodes/${node.id}`,
      headers: api().as('read'),
    });
    expect((answer.json() as { state: string }).state).toBe('deleted');
  });

  it('ticks on a burst in the queue without waiting for the interval', async () => {
    const { autoscaler } = start(api(), autoscalerConfig([hashPool]));
    await acting(autoscaler);
    for (let i = 0; i < 30; i++) await submitted(api(), 'hash', { i });
    let decisions: Awaited<ReturnType<typeof listDecisions>> = [];
    // The poll may see the burst part-way in and tick more than once as it grows: the first of
    // those ticks scales up, later ones may hold. Any queue tick that scaled up is the answer.
    const fromQueue = () => decisions.find((d) => d.tick === 'queue' && d.reason === 'scale_up');
    for (let i = 0; i < 200 && fromQueue() === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      decisions = await listDecisions(api().store.db, { target: 'hash-pool', limit: 50 });
    }
    expect(fromQueue(), JSON.stringify(decisions.map((d) => [d.tick, d.reason]))).toMatchObject({
      tick: 'queue',
      reason: 'scale_up',
    });
    expect(decisions.some((d) => d.tick === 'interval' && d.reason === 'scale_up')).toBe(false);
  });

  it('lets one of two autoscalers act, and the other take over when it stops', async () => {
    const platform = new Map<string, Replica>();
    const first = start(api(), autoscalerConfig([hashPool]), { platform, holder: 'first' });
    await acting(first.autoscaler);
    const second = start(api(), autoscalerConfig([hashPool]), { platform, holder: 'second' });
    await new Promise((r) => setTimeout(r, 100));
    expect(second.autoscaler.isLeader()).toBe(false);
    expect((await second.autoscaler.tickNow()).get('hash-pool')).toEqual({
      kind: 'skipped',
      why: 'not acting',
    });

    await first.autoscaler.stop();
    // Released on stop: the other takes over at its next renewal (a third of the lease's life).
    for (let i = 0; i < 300 && !second.autoscaler.isLeader(); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(second.autoscaler.isLeader()).toBe(true);
  });

  it('holds when a source fails or a target is paused, and says so', async () => {
    const broken: MetricSource = {
      kind: 'redis',
      read: () => Promise.reject(new Error('ECONNREFUSED')),
      close: async () => {},
    };
    const target = {
      ...hashPool,
      min_replicas: 1,
      sources: [{ name: 'pending', kind: 'redis', url: 'redis://127.0.0.1:1', key: 'k' }],
      policies: [{ kind: 'target', metric: 'pending', target: 10 }],
    };
    const { autoscaler, deployers, registry } = start(api(), autoscalerConfig([target]), {
      sources: { pending: broken },
    });
    await acting(autoscaler);
    const held = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    // Nothing to go on: the minimum, never zero.
    expect(held).toMatchObject({ kind: 'decided', desired: 1 });
    expect(await registry.metrics()).toMatch(
      /vigil_autoscaler_source_errors_total\{target="hash-pool",source="pending"\} [1-9]/,
    );
    const [decision] = await listDecisions(api().store.db, { target: 'hash-pool', limit: 1 });
    expect(JSON.parse(decision!.proposals)).toEqual([
      expect.objectContaining({ policy: 'target', replicas: null }),
    ]);

    await patchTargetRow(api().store.db, 'hash-pool', { paused: true }, api().clock.now);
    const paused = (await autoscaler.tickNow('hash-pool')).get('hash-pool');
    expect(paused).toMatchObject({ kind: 'decided', reason: 'paused' });

    deployers[0]!.failReads = true;
    expect((await autoscaler.tickNow('hash-pool')).get('hash-pool')).toEqual({
      kind: 'skipped',
      why: 'deployer',
    });
    expect(await registry.metrics()).toMatch(
      /vigil_autoscaler_deployer_errors_total\{target="hash-pool",deployer="process"\} 1/,
    );
  });

  it('pre-scales ahead of a rise the topic’s demand forecast predicts: the forecast policy’s proposal wins over backlog', async () => {
    const a = api();
    // 11:59:30, and six days in which the hash topic's demand jumps from 2 to 16 slots at noon.
    a.clock.now = Date.UTC(2026, 10, 1, 11, 59, 30);
    await seedHourlySeries(a, {
      scope: 'topic:hash',
      hours: 24 * 6,
      demand: (i) => ((i + 11) % 24 >= 12 && (i + 11) % 24 < 18 ? 16 : 2) + (i % 3) * 0.1,
      supply: 20,
      nodes: 10,
    });
    // The coordinator's own route, called in process (no socket) through the source's fetch.
    const inProcess = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const res = await a.app.inject({
        method: 'GET',
        url: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
      });
      return new Response(res.body, {
        status: res.statusCode,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof globalThis.fetch;
    const pool = {
      ...hashPool,
      concurrency: 2,
      scale_up: { max_step: 20 },
      policies: [...hashPool.policies, { kind: 'forecast', level: 'upper80', lead_s: 60 }],
    };
    const config = autoscalerConfig([pool], {
      queue_poll_ms: 60_000,
      coordinator_url: 'http://coordinator.test',
      worker_api_key: a.as('read').authorization.replace(/^Bearer /, ''),
    });
    const { autoscaler, deployers } = start(a, config, { fetch: inProcess });
    await acting(autoscaler);

    // Nothing queued: backlog asks for none; the forecast of noon's 16 slots, 2 per replica at
    // 0.8, asks for at least 10 before noon comes.
    const decisions = await listDecisions(a.store.db, { target: 'hash-pool', limit: 10 });
    const decision = decisions.find((d) => d.reason === 'scale_up');
    const proposals = JSON.parse(decision!.proposals) as Array<{ policy: string; replicas: number | null }>;
    expect(proposals.map((p) => p.policy)).toEqual(['backlog', 'forecast']);
    expect(proposals[0]?.replicas).toBe(0);
    expect(proposals[1]?.replicas).toBeGreaterThanOrEqual(10);
    expect(decision).toMatchObject({ previous_desired: null, desired: proposals[1]?.replicas });
    const inputs = JSON.parse(decision!.inputs) as Record<string, { value: number }>;
    expect(inputs['forecast.upper80.next_60s']?.value).toBeGreaterThanOrEqual(15);
    expect(deployers[0]?.calls.at(-1)?.count).toBe(proposals[1]?.replicas);
  });
});
