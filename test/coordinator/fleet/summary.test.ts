import { expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, get, liveMinutes, type OutcomeBody, postOutcomes, registerAll } from '../api/support.ts';
import {
  endOf,
  epochConfig,
  GENESIS_MS,
  reportOf,
  startNetwork,
  submitReport,
  targetsOf,
  tickAt,
} from '../epochs/support.ts';
import {
  claim,
  nodeWithWorker,
  resultOf,
  sendResults,
  submit,
  submitted,
  useWorkApi,
} from '../jobs/support.ts';

interface Summary {
  at: string;
  sla: {
    status: string;
    open_violations: number;
    open_by_severity: Record<string, number>;
    open_by_metric: Record<string, number>;
    last_collection_at: string | null;
    last_collection_age_s: number | null;
  };
  capacity: Record<string, number | null>;
  epoch: Record<string, unknown> | null;
  previous_epoch: Record<string, unknown> | null;
  topics: Array<Record<string, unknown>>;
  jobs: {
    window_s: number;
    tenant_id: string | null;
    submitted: number;
    finished: Record<string, number>;
    per_minute: Record<string, number>;
  };
}

async function summary(api: TestApi, headers: Record<string, string> = api.as('read')): Promise<Summary> {
  const res = await api.app.inject({ method: 'GET', url: '/fleet/summary', headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Summary;
}

describeEachBackend('GET /fleet/summary', (backend) => {
  const api = useWorkApi(backend, {
    adjust: (c) => {
      epochConfig(c);
      c.sla.slice_s = 60;
      c.sla.uptime_window_s = 3_600;
    },
  });

  it('answers for an empty coordinator with zeros, the epoch in progress and every topic', async () => {
    const s = await summary(api());
    expect(s.at).toBe(new Date(api().clock.now).toISOString());
    expect(s.sla).toEqual({
      status: 'healthy',
      open_violations: 0,
      open_by_severity: { critical: 0, high: 0 },
      open_by_metric: {
        uptime_pct: 0,
        response_time_ms: 0,
        completion_rate_pct: 0,
        capacity_availability_pct: 0,
      },
      last_collection_at: null,
      last_collection_age_s: null,
    });
    expect(s.capacity).toMatchObject({ total_nodes: 0, live_nodes: 0, capacity_availability_pct: null });
    // The clock is at genesis: epoch 0 has begun, the coordinator has not recorded it yet.
    expect(s.epoch).toMatchObject({
      epoch: 0,
      state: 'open',
      starts_at: new Date(GENESIS_MS).toISOString(),
      ends_at: new Date(endOf(0)).toISOString(),
      time_left_s: 3_600,
      members: null,
      reports_received: 0,
      reports_expected: null,
    });
    expect(s.previous_epoch).toBeNull();
    expect(s.topics.map((t) => t.name)).toEqual(['checked', 'hash', 'once', 'timed']);
    expect(s.topics[0]).toEqual({
      name: 'checked',
      ready: 0,
      ready_now: 0,
      leased: 0,
      dead: 0,
      oldest_ready_age_ms: 0,
    });
    expect(s.jobs).toEqual({
      window_s: 300,
      tenant_id: null,
      submitted: 0,
      finished: { succeeded: 0, failed_verification: 0, dead: 0, cancelled: 0 },
      per_minute: { submitted: 0, finished: 0, succeeded: 0, failed_verification: 0, dead: 0, cancelled: 0 },
    });
  });

  it('counts open violations by severity and metric, and capacity now as a snapshot would', async () => {
    await registerAll(api(), { node_id: 'good', max_parallel: 4 }, { node_id: 'flaky', max_parallel: 4 });
    const busy = (id: string) => ({ busy_slots: id === 'good' ? 1 : 0, queue_length: id === 'good' ? 7 : 0 });
    await liveMinutes(api(), 40, ['good', 'flaky'], busy);
    await liveMinutes(api(), 20, ['good'], busy);
    const now = api().clock.now;
    const outcomes: OutcomeBody[] = Array.from({ length: 10 }, (_, i) => ({
      job_id: `flaky-${i}`,
      node_id: 'flaky',
      topic: 'hash',
      status: i < 5 ? 'failure' : 'success',
      started_at: now - 600_000 - 2_500,
      finished_at: now - 600_000,
    }));
    expect((await postOutcomes(api(), outcomes)).statusCode).toBe(200);
    const collected = (await collect(api())).json() as { capacity: Record<string, unknown> };
    api().clock.now += 90_000;

    const s = await summary(api());
    expect(s.sla).toEqual({
      status: 'critical',
      open_violations: 4,
      open_by_severity: { critical: 3, high: 1 },
      open_by_metric: {
        uptime_pct: 1,
        response_time_ms: 1,
        completion_rate_pct: 1,
        capacity_availability_pct: 1,
      },
      last_collection_at: new Date(now).toISOString(),
      last_collection_age_s: 90,
    });
    // flaky went silent 20 minutes ago (liveness 10 minutes): the same reading the collection took.
    expect(s.capacity).toEqual({
      total_nodes: 2,
      live_nodes: 1,
      total_parallel_capacity: 8,
      live_parallel_capacity: 4,
      busy_slots: 1,
      free_slots: 3,
      total_queue_length: 7,
      capacity_utilization_pct: 25,
      capacity_availability_pct: 37.5,
    });
    expect(collected.capacity).toMatchObject({ free_slots: 3, capacity_availability_pct: 37.5 });
    const status = (await get(api(), '/sla/status')).json() as { status: string; active_violations: number };
    expect(status).toMatchObject({ status: s.sla.status, active_violations: s.sla.open_violations });
  });

  it('shows each topic’s queue as GET /topics does, and jobs per minute over the last five minutes', async () => {
    const worker = await nodeWithWorker(api(), 'w');
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await submitted(api(), 'hash'));
    // Another tenant's job, submitted by an operator: counted for every tenant, not for ours.
    expect(
      (await submit(api(), { topic: 'once', payload: {}, tenant_id: 'other' }, 'operator')).statusCode,
    ).toBe(201);
    const leased = await claim(api(), worker, 'hash', { max: 3 });
    const start = api().clock.now;
    await sendResults(
      api(),
      worker.node,
      leased.slice(0, 2).map((job) => resultOf(job, worker.workerId, start)),
    );
    api().clock.now += 1_000;
    const cancel = await api().app.inject({
      method: 'POST',
      url: `/jobs/${ids.find((id) => !leased.some((j) => j.job_id === id))}/cancel`,
      headers: api().as('tenant'),
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    api().clock.now += 1_000;

    const s = await summary(api());
    const topics = (await get(api(), '/topics')).json() as {
      topics: Array<{ name: string; queue: Record<string, number> }>;
    };
    for (const t of topics.topics)
      expect(s.topics.find((x) => x.name === t.name)).toEqual({ name: t.name, ...t.queue });
    expect(s.topics.find((t) => t.name === 'hash')).toMatchObject({ ready: 0, leased: 1 });
    expect(s.topics.find((t) => t.name === 'once')).toMatchObject({ ready: 1, leased: 0 });
    expect(s.jobs).toMatchObject({
      tenant_id: null,
      submitted: 5,
      finished: { succeeded: 2, failed_verification: 0, dead: 0, cancelled: 1 },
      per_minute: { submitted: 1, finished: 0.6, succeeded: 0.4, cancelled: 0.2 },
    });

    // The tenant key sees its own jobs only; the operator's job for `other` is not among them.
    const own = await summary(api(), api().as('tenant'));
    expect(own.jobs).toMatchObject({ submitted: 4, finished: { succeeded: 2, cancelled: 1 } });
    expect(own.jobs.tenant_id).not.toBeNull();
    const otherKey = (await createApiKey(api().store.db, 'tenant', 'other', api().clock.now)).key;
    const other = await summary(api(), { authorization: `Bearer ${otherKey}` });
    expect(other.jobs).toMatchObject({ tenant_id: 'other', submitted: 1, finished: { succeeded: 0 } });

    // Five minutes later none of it is recent any more.
    api().clock.now += 5 * 60_000;
    expect((await summary(api())).jobs).toMatchObject({
      submitted: 0,
      finished: { succeeded: 0, cancelled: 0 },
    });
  });

  it('shows the epoch in progress and the one before it with its reports received and expected', async () => {
    const nodes = await startNetwork(api(), 4);
    await tickAt(api(), endOf(0) + 60_000);
    const monitor = nodes[0]!;
    const res = await submitReport(
      api(),
      monitor,
      0,
      reportOf(monitor, 0, await targetsOf(api(), 0, monitor.id)),
    );
    expect(res.statusCode, res.body).toBe(201);

    const s = await summary(api());
    expect(s.epoch).toMatchObject({
      epoch: 1,
      state: 'open',
      time_left_s: 3_540,
      members: 4,
      reports_received: 0,
      reports_expected: 4,
    });
    expect(s.previous_epoch).toEqual({
      epoch: 0,
      state: 'reporting',
      starts_at: new Date(GENESIS_MS).toISOString(),
      ends_at: new Date(endOf(0)).toISOString(),
      report_window_ends_at: new Date(endOf(0) + 600_000).toISOString(),
      time_left_s: 0,
      report_window_left_s: 540,
      members: 4,
      group_size: 3,
      reports_received: 1,
      reports_expected: 4,
    });
  });

  it('needs a key, like every read', async () => {
    const res = await get(api(), '/fleet/summary', null);
    expect(res.statusCode).toBe(401);
  });
});
