import { expect, it } from 'vitest';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  collect,
  get,
  HOUR_MS,
  liveMinutes,
  type MetricJson,
  nextLink,
  type OutcomeBody,
  postOutcomes,
  registerAll,
  useApi,
  type ViolationJson,
} from './support.ts';

const byType = (rows: MetricJson[]) => Object.fromEntries(rows.map((m) => [m.metric_type, m]));

function jobs(
  nodeId: string,
  count: number,
  durationMs: number,
  failures: number,
  now: number,
): OutcomeBody[] {
  return Array.from({ length: count }, (_, i) => ({
    job_id: `${nodeId}-job-${i}`,
    node_id: nodeId,
    topic: 'inference',
    status: i < failures ? 'failure' : 'success',
    started_at: now - 10 * 60_000 - durationMs,
    finished_at: now - 10 * 60_000,
  }));
}

/**
 * Two nodes over one hour of one-minute slices: `good` beats every minute, is fast and never
 * fails; `flaky` beats for 40 minutes then falls silent, is slow and fails half its jobs.
 */
async function fleetHour(api: TestApi): Promise<void> {
  await registerAll(api, { node_id: 'good', max_parallel: 4 }, { node_id: 'flaky', max_parallel: 4 });
  const busy = (id: string) => ({ busy_slots: id === 'good' ? 1 : 0, queue_length: id === 'good' ? 7 : 0 });
  await liveMinutes(api, 40, ['good', 'flaky'], busy);
  await liveMinutes(api, 20, ['good'], busy);
  const now = api.clock.now;
  expect(
    (await postOutcomes(api, [...jobs('good', 10, 200, 0, now), ...jobs('flaky', 10, 2_500, 5, now)])).json(),
  ).toEqual({
    accepted: 20,
    duplicates: 0,
  });
}

describeEachBackend('API: SLA endpoints', (backend) => {
  const api = useApi(backend, (c) => {
    c.sla.slice_s = 60;
    c.sla.uptime_window_s = 3_600;
  });

  it('collects on demand and returns the summary with fleet capacity', async () => {
    await fleetHour(api());
    const res = await collect(api());
    expect(res.statusCode, res.body).toBe(200);
    const summary = res.json() as Record<string, unknown>;
    expect(summary).toMatchObject({
      collected_at: new Date(api().clock.now).toISOString(),
      nodes_processed: 2,
      metrics_collected: 7,
      violations_detected: 4,
      violations_opened: 4,
      violations_escalated: 0,
      violations_resolved: 0,
      open_violations: 4,
      capacity: {
        total_nodes: 2,
        active_nodes: 1,
        capacity_availability_pct: 37.5,
        capacity_utilization_pct: 25,
        total_parallel_capacity: 8,
        free_slots: 3,
        total_queue_length: 7,
      },
    });
    expect(typeof summary['duration_ms']).toBe('number');
  });

  it('serves a node’s metrics with the guide’s shape and values', async () => {
    await fleetHour(api());
    await collect(api());
    const at = new Date(api().clock.now).toISOString();
    const flaky = await get(api(), '/sla/metrics/flaky?hours=1');
    expect(flaky.statusCode, flaky.body).toBe(200);
    const f = byType(flaky.json() as MetricJson[]);
    expect(Object.keys(f).sort()).toEqual(['completion_rate_pct', 'response_time_ms', 'uptime_pct']);
    expect(f['uptime_pct']).toMatchObject({
      node_id: 'flaky',
      threshold: 95,
      is_violation: true,
      severity: 'critical',
    });
    expect(f['uptime_pct']?.metric_value).toBeCloseTo((100 * 40) / 60, 6);
    expect(f['uptime_pct']?.metadata).toEqual({ slices_up: 40, slices_total: 60 });
    expect(f['response_time_ms']).toMatchObject({
      metric_value: 2_500,
      threshold: 1_000,
      severity: 'critical',
    });
    expect(f['response_time_ms']?.metadata).toMatchObject({ percentile: 95, mean_ms: 2_500, samples: 10 });
    expect(f['completion_rate_pct']).toMatchObject({ metric_value: 50, threshold: 90, severity: 'critical' });
    for (const m of Object.values(f)) expect(m.timestamp).toBe(at);

    const g = byType((await get(api(), '/sla/metrics/good?hours=1')).json() as MetricJson[]);
    expect(g['uptime_pct']).toMatchObject({ metric_value: 100, is_violation: false, severity: null });
    expect(g['response_time_ms']).toMatchObject({ metric_value: 200, is_violation: false });
    expect(g['completion_rate_pct']).toMatchObject({ metric_value: 100, is_violation: false });

    const ghost = await get(api(), '/sla/metrics/ghost?hours=1');
    expect(ghost.statusCode).toBe(200);
    expect(ghost.json()).toEqual([]);
  });

  it('reports a node without data as no data, not as 0 % and not as a violation', async () => {
    await registerAll(api(), { node_id: 'silent', max_parallel: 1 });
    const summary = (await collect(api())).json() as { violations_detected: number; nodes_processed: number };
    expect(summary.nodes_processed).toBe(1);
    const rows = (await get(api(), '/sla/metrics/silent')).json() as MetricJson[];
    expect(rows).toHaveLength(3);
    for (const m of rows)
      expect(m).toMatchObject({ metric_value: null, is_violation: false, severity: null });
  });

  it('limits metrics to the last `hours` and pages through all of them with Link rel="next"', async () => {
    await fleetHour(api());
    await collect(api());
    api().clock.now += 2 * HOUR_MS;
    await collect(api());

    expect((await get(api(), '/sla/metrics?hours=1')).json()).toHaveLength(7);
    expect((await get(api(), '/sla/metrics/flaky?hours=1')).json()).toHaveLength(3);
    expect((await get(api(), '/sla/metrics/flaky?hours=3')).json()).toHaveLength(6);
    const uptimeOnly = (
      await get(api(), '/sla/metrics?hours=3&metric_type=uptime_pct')
    ).json() as MetricJson[];
    expect(uptimeOnly.map((m) => m.metric_type)).toEqual([
      'uptime_pct',
      'uptime_pct',
      'uptime_pct',
      'uptime_pct',
    ]);

    const seen: MetricJson[] = [];
    let url: string | undefined = '/sla/metrics?hours=24&limit=3';
    let pages = 0;
    while (url !== undefined) {
      const res = await get(api(), url);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...(res.json() as MetricJson[]));
      url = nextLink(res);
      if (url !== undefined) expect(url).toMatch(/^\/sla\/metrics\?hours=24&limit=3&cursor=/);
      expect(++pages).toBeLessThan(10);
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(14);
    expect(new Set(seen.map((m) => m.id)).size).toBe(14);
    const times = seen.map((m) => m.timestamp);
    expect(times).toEqual([...times].sort());
  });

  it('lists violations filtered by resolved and node_id', async () => {
    await fleetHour(api());
    await collect(api());
    const flaky = await get(api(), '/sla/violations?resolved=false&node_id=flaky');
    expect(flaky.statusCode, flaky.body).toBe(200);
    const rows = flaky.json() as ViolationJson[];
    expect(rows.map((v) => v.violation_type).sort()).toEqual([
      'completion_rate_pct',
      'response_time_ms',
      'uptime_pct',
    ]);
    for (const v of rows)
      expect(v).toMatchObject({ node_id: 'flaky', severity: 'critical', resolved_at: null });

    const open = (await get(api(), '/sla/violations?resolved=false')).json() as ViolationJson[];
    expect(open).toHaveLength(4);
    expect(open.find((v) => v.violation_type === 'capacity_availability_pct')).toMatchObject({
      node_id: null,
      subject: 'fleet',
      severity: 'high',
    });
    expect((await get(api(), '/sla/violations?resolved=true')).json()).toEqual([]);
    expect((await get(api(), '/sla/violations?node_id=good')).json()).toEqual([]);
    const critical = (await get(api(), '/sla/violations?severity=critical')).json() as ViolationJson[];
    expect(critical).toHaveLength(3);

    const paged: ViolationJson[] = [];
    let url: string | undefined = '/sla/violations?limit=3';
    while (url !== undefined) {
      const res = await get(api(), url);
      paged.push(...(res.json() as ViolationJson[]));
      url = nextLink(res);
    }
    expect(paged.map((v) => v.id).sort()).toEqual(open.map((v) => v.id).sort());
  });

  it('serves capacity snapshots over the last `hours`, newest first', async () => {
    await fleetHour(api());
    await collect(api());
    const first = new Date(api().clock.now).toISOString();
    api().clock.now += 2 * HOUR_MS;
    await collect(api());
    const second = new Date(api().clock.now).toISOString();

    const recent = await get(api(), '/sla/capacity/snapshots?hours=1');
    expect(recent.statusCode, recent.body).toBe(200);
    expect(recent.json()).toEqual([
      expect.objectContaining({
        timestamp: second,
        total_nodes: 2,
        live_nodes: 0,
        free_slots: 0,
        capacity_availability_pct: 0,
      }),
    ]);
    const day = (await get(api(), '/sla/capacity/snapshots?hours=24')).json() as Array<
      Record<string, unknown>
    >;
    expect(day.map((s) => s['timestamp'])).toEqual([second, first]);
    expect(day[1]).toMatchObject({
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
  });

  it('reports status healthy before any collection and critical with a critical violation open', async () => {
    const before = await get(api(), '/sla/status');
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({
      status: 'healthy',
      active_violations: 0,
      active_violations_by_severity: {},
      recent_metrics_count: 0,
      last_collection_at: null,
      timestamp: new Date(api().clock.now).toISOString(),
    });

    await fleetHour(api());
    await collect(api());
    expect((await get(api(), '/sla/status')).json()).toEqual({
      status: 'critical',
      active_violations: 4,
      active_violations_by_severity: { critical: 3, high: 1 },
      recent_metrics_count: 7,
      last_collection_at: new Date(api().clock.now).toISOString(),
      timestamp: new Date(api().clock.now).toISOString(),
    });
  });

  it('reports status degraded when only a high violation is open, healthy when none is', async () => {
    await registerAll(api(), { node_id: 'busy', max_parallel: 4 });
    await liveMinutes(api(), 60, ['busy'], () => ({ busy_slots: 3, queue_length: 12 }));
    const summary = (await collect(api())).json() as { violations_detected: number };
    expect(summary.violations_detected).toBe(1);
    expect((await get(api(), '/sla/status')).json()).toMatchObject({
      status: 'degraded',
      active_violations: 1,
      active_violations_by_severity: { high: 1 },
      recent_metrics_count: 4,
    });

    await liveMinutes(api(), 1, ['busy'], () => ({ busy_slots: 0, queue_length: 0 }));
    const resolved = (await collect(api())).json() as {
      violations_resolved: number;
      open_violations: number;
    };
    expect(resolved).toMatchObject({ violations_resolved: 1, open_violations: 0 });
    expect((await get(api(), '/sla/status')).json()).toMatchObject({
      status: 'healthy',
      active_violations: 0,
    });
  });
});
