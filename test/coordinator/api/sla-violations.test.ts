import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  collect,
  expectProblem,
  get,
  liveMinutes,
  MINUTE_MS,
  nextLink,
  postOutcomes,
  registerAll,
  useApi,
  type ViolationJson,
} from './support.ts';

interface Summary {
  violations_detected: number;
  violations_opened: number;
  violations_escalated: number;
  violations_resolved: number;
  open_violations: number;
}

/**
 * One-minute slices and a one-hour uptime window. `steady` beats throughout and holds most
 * of the fleet's slots, so the fleet's capacity stays healthy while `n1` comes and goes.
 */
describeEachBackend('API: SLA violation lifecycle', (backend) => {
  const api = useApi(backend, (c) => {
    c.sla.slice_s = 60;
    c.sla.uptime_window_s = 3_600;
  });
  const T0 = () => Date.UTC(2026, 10, 1);
  const at = (minutes: number) => new Date(T0() + minutes * MINUTE_MS).toISOString();
  const uptimeViolations = async (query = '') =>
    (await get(api(), `/sla/violations?node_id=n1&metric_type=uptime_pct${query}`)).json() as ViolationJson[];
  const collected = async () => {
    const res = await collect(api());
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Summary;
  };

  it('opens one violation, keeps that one row while the breach lasts, and resolves it with its duration', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 }, { node_id: 'steady', max_parallel: 100 });
    await liveMinutes(api(), 40, ['n1', 'steady']);
    await liveMinutes(api(), 20, ['steady']);

    // t = 60 min: 40 of 60 slices up, below 0.9 × 95 %: critical.
    expect(await collected()).toMatchObject({
      violations_detected: 1,
      violations_opened: 1,
      open_violations: 1,
    });
    const [opened] = await uptimeViolations();
    expect(opened).toMatchObject({
      severity: 'critical',
      threshold: 95,
      created_at: at(60),
      resolved_at: null,
      violation_duration_ms: null,
    });
    expect(opened?.metric_value).toBeCloseTo((100 * 40) / 60, 6);

    // t = 75 min: still down, worse (25 of 60).
    await liveMinutes(api(), 15, ['steady']);
    expect(await collected()).toMatchObject({
      violations_detected: 1,
      violations_opened: 0,
      open_violations: 1,
    });
    // t = 90 min: back for 15 minutes, but the window still holds the outage (25 of 60).
    await liveMinutes(api(), 15, ['n1', 'steady']);
    expect(await collected()).toMatchObject({
      violations_detected: 1,
      violations_opened: 0,
      open_violations: 1,
    });
    // t = 120 min: 45 of 60.
    await liveMinutes(api(), 30, ['n1', 'steady']);
    expect(await collected()).toMatchObject({
      violations_detected: 1,
      violations_opened: 0,
      violations_resolved: 0,
    });

    const during = await uptimeViolations();
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({
      id: opened?.id,
      created_at: at(60),
      resolved_at: null,
      severity: 'critical',
    });
    expect(during[0]?.worst_value).toBeCloseTo((100 * 25) / 60, 6);
    expect(during[0]?.metric_value).toBeCloseTo((100 * 25) / 60, 6);

    // t = 135 min: the window [75, 135) is all up: resolved once, 75 minutes after it opened.
    await liveMinutes(api(), 15, ['n1', 'steady']);
    expect(await collected()).toMatchObject({
      violations_detected: 0,
      violations_resolved: 1,
      open_violations: 0,
    });
    const after = await uptimeViolations();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      id: opened?.id,
      created_at: at(60),
      resolved_at: at(135),
      violation_duration_ms: 75 * MINUTE_MS,
      metric_value: 100,
      metadata: { resolution: 'recovered' },
    });
    expect(after[0]?.worst_value).toBeCloseTo((100 * 25) / 60, 6);
    expect(await uptimeViolations('&resolved=false')).toEqual([]);
    expect((await uptimeViolations('&resolved=true')).map((v) => v.id)).toEqual([opened?.id]);
    expect((await get(api(), '/sla/status')).json()).toMatchObject({
      status: 'healthy',
      active_violations: 0,
    });

    // Staying healthy writes nothing more.
    await liveMinutes(api(), 5, ['n1', 'steady']);
    expect(await collected()).toMatchObject({
      violations_opened: 0,
      violations_resolved: 0,
      open_violations: 0,
    });
    expect((await get(api(), '/sla/violations')).json()).toHaveLength(1);
  });

  it('escalates the open violation in place from high to critical', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 }, { node_id: 'steady', max_parallel: 100 });
    await liveMinutes(api(), 56, ['n1', 'steady']);
    await liveMinutes(api(), 4, ['steady']);

    // t = 60 min: 56 of 60 (93.3 %) is below 95 % but above 85.5 %: high.
    expect(await collected()).toMatchObject({ violations_opened: 1 });
    const [high] = await uptimeViolations();
    expect(high).toMatchObject({ severity: 'high', created_at: at(60) });
    expect((await get(api(), '/sla/status')).json()).toMatchObject({ status: 'degraded' });

    // t = 70 min: window [10, 70) holds 46 of 60 (76.7 %): critical, same row.
    await liveMinutes(api(), 10, ['steady']);
    expect(await collected()).toMatchObject({
      violations_opened: 0,
      violations_escalated: 1,
      open_violations: 1,
    });
    const rows = await uptimeViolations();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: high?.id,
      severity: 'critical',
      created_at: at(60),
      updated_at: at(70),
    });
    expect((await get(api(), '/sla/status')).json()).toMatchObject({
      status: 'critical',
      active_violations_by_severity: { critical: 1 },
    });
  });

  it('resolves the open violations of a node that is deregistered', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 1 }, { node_id: 'steady', max_parallel: 100 });
    await liveMinutes(api(), 30, ['n1', 'steady']);
    await liveMinutes(api(), 30, ['steady']);
    await collected();
    expect(await uptimeViolations('&resolved=false')).toHaveLength(1);

    api().clock.now += MINUTE_MS;
    const del = await api().app.inject({ method: 'DELETE', url: '/nodes/n1', headers: api().as('operator') });
    expect(del.statusCode).toBe(200);
    api().clock.now += MINUTE_MS;
    expect(await collected()).toMatchObject({ violations_resolved: 1, open_violations: 0 });
    const [gone] = await uptimeViolations();
    expect(gone).toMatchObject({
      resolved_at: at(62),
      violation_duration_ms: 2 * MINUTE_MS,
      metadata: { resolution: 'subject_removed' },
    });
    // The deregistered node's metric history stays readable.
    expect(((await get(api(), '/sla/metrics/n1?hours=24')).json() as unknown[]).length).toBe(3);
  });

  it('filters by when a violation opened: since inclusive, until exclusive, as RFC 3339 or epoch ms', async () => {
    await registerAll(
      api(),
      { node_id: 'n1', max_parallel: 1 },
      { node_id: 'n2', max_parallel: 1 },
      { node_id: 'steady', max_parallel: 100 },
    );
    const failed = (nodeId: string) =>
      postOutcomes(api(), {
        job_id: `job-${nodeId}`,
        node_id: nodeId,
        topic: 'hash',
        status: 'failure',
        started_at: api().clock.now - 200,
        finished_at: api().clock.now - 100,
      });
    await liveMinutes(api(), 60, ['n1', 'n2', 'steady']);
    expect((await failed('n1')).statusCode).toBe(200);
    await collected(); // t = 60 min: n1's completion rate opens.
    await liveMinutes(api(), 10, ['n1', 'n2', 'steady']);
    expect((await failed('n2')).statusCode).toBe(200);
    await collected(); // t = 70 min: n2's.

    const nodesOf = async (query: string) => {
      const res = await get(api(), `/sla/violations?metric_type=completion_rate_pct&${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as ViolationJson[]).map((v) => v.node_id);
    };
    expect(await nodesOf('')).toEqual(['n2', 'n1']);
    expect(await nodesOf(`since=${at(65)}`)).toEqual(['n2']);
    expect(await nodesOf(`until=${T0() + 65 * MINUTE_MS}`)).toEqual(['n1']);
    expect(await nodesOf(`since=${encodeURIComponent(at(60))}&until=${at(70)}`)).toEqual(['n1']);
    expect(await nodesOf(`since=${T0() + 70 * MINUTE_MS}&until=${T0() + 70 * MINUTE_MS}`)).toEqual([]);
    expect(await nodesOf('since=2026-11-01T02:05:00%2B01:00')).toEqual(['n2']);

    // The next page keeps the time filter.
    const first = await get(api(), `/sla/violations?metric_type=completion_rate_pct&since=${at(60)}&limit=1`);
    const next = nextLink(first);
    expect(next).toContain(`since=${encodeURIComponent(at(60))}`);
    expect(((await get(api(), next as string)).json() as ViolationJson[]).map((v) => v.node_id)).toEqual([
      'n1',
    ]);

    for (const bad of ['yesterday', '2026-11-01', '2026-02-30T00:00:00Z', '-5', '1.5']) {
      expectProblem(await get(api(), `/sla/violations?since=${bad}`), 400, 'invalid-request');
    }
    expectProblem(
      await get(api(), `/sla/violations?since=${Number.MAX_SAFE_INTEGER}&until=0`),
      400,
      'invalid-request',
      /until \(0\) is before since \(9007199254740991\)/,
    );
    expectProblem(
      await get(api(), `/sla/violations?since=${at(70)}&until=${at(60)}`),
      400,
      'invalid-request',
      /until \(2026-11-01T01:00:00.000Z\) is before since \(2026-11-01T01:10:00.000Z\)/,
    );
  });
});
