import { beforeEach, expect, it } from 'vitest';
import { rollupGrain } from '../../../src/core/sla/rollup.ts';
import { type Outcome, recordOutcomes } from '../../../src/store/repositories/outcomes.ts';
import { listViolations } from '../../../src/store/repositories/sla-results.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { MIN, SLA_SETTINGS as settings, T0, useSlaFixture } from './support.ts';

describeEachBackend('SLA collection', (backend) => {
  const fixture = useSlaFixture(backend);
  let clock = T0;
  beforeEach(() => {
    clock = T0;
  });

  const collector = () => fixture.collector(() => clock);
  const register = (id: string, maxParallel = 4) => fixture.register(id, { maxParallel, at: T0 - 60 * MIN });
  const beat = (id: string, at: number, busy = 0) =>
    fixture.heartbeats([{ node_id: id, at, busy_slots: busy }]);
  async function outcomes(list: Outcome[]) {
    return fixture.store().transaction((trx) =>
      recordOutcomes(trx, list, {
        now: clock,
        sampleSize: 100,
        grain: rollupGrain(settings.completion_window_s),
        caps: fixture.store().capabilities,
      }),
    );
  }

  it('computes uptime from heartbeat slices, opens one violation and resolves it with its duration', async () => {
    await register('a');
    await register('b');
    // a: a heartbeat in every minute of the hour; b: only in the first 40 minutes.
    for (let m = 0; m < 60; m++) {
      await beat('a', T0 - 60 * MIN + m * MIN + 5_000);
      if (m < 40) await beat('b', T0 - 60 * MIN + m * MIN + 5_000);
    }
    const first = await collector().collect();
    expect(first.nodes_processed).toBe(2);
    const open = await listViolations(fixture.store().db, { resolved: false, limit: 10 });
    const uptimeB = open.filter((v) => v.node_id === 'b' && v.violation_type === 'uptime_pct');
    expect(uptimeB).toHaveLength(1);
    expect(uptimeB[0]?.severity).toBe('critical');
    expect(uptimeB[0]?.metric_value).toBeCloseTo((100 * 40) / 60, 5);
    expect(open.some((v) => v.node_id === 'a' && v.violation_type === 'uptime_pct')).toBe(false);

    // Collecting again while the breach lasts keeps exactly one open violation.
    clock += MIN;
    await collector().collect();
    expect(
      (await listViolations(fixture.store().db, { resolved: false, nodeId: 'b', limit: 10 })).filter(
        (v) => v.violation_type === 'uptime_pct',
      ),
    ).toHaveLength(1);

    // b comes back for a whole hour: resolved once, with its duration.
    for (let m = 0; m < 61; m++) await beat('b', clock + m * MIN + 1_000);
    clock += 61 * MIN;
    const last = await collector().collect();
    expect(last.violations_resolved).toBeGreaterThanOrEqual(1);
    const resolved = await listViolations(fixture.store().db, { resolved: true, nodeId: 'b', limit: 10 });
    const r = resolved.find((v) => v.violation_type === 'uptime_pct');
    expect(r?.resolved_at).toBe(clock);
    expect(r?.violation_duration_ms).toBe(62 * MIN);
  });

  it('reads no heartbeats as no data, not 0 % and not a violation', async () => {
    await register('silent');
    await collector().collect();
    // The fleet has no live capacity (a fleet-wide violation), but the node itself has no data.
    const open = await listViolations(fixture.store().db, { resolved: false, limit: 10 });
    expect(open.filter((v) => v.node_id === 'silent')).toEqual([]);
    const rows = await fixture
      .store()
      .db.selectFrom('sla_metrics')
      .selectAll()
      .where('node_id', '=', 'silent')
      .execute();
    expect(rows.map((r) => [r.metric_type, r.metric_value])).toEqual(
      expect.arrayContaining([
        ['uptime_pct', null],
        ['response_time_ms', null],
        ['completion_rate_pct', null],
      ]),
    );
  });

  it('measures p95 and completion from outcomes, idempotent by job id', async () => {
    await register('w');
    const list: Outcome[] = [];
    for (let i = 0; i < 20; i++) {
      list.push({
        job_id: `j${i}`,
        node_id: 'w',
        topic: 't',
        tenant_id: null,
        status: i < 15 ? 'success' : 'failure',
        started_at: T0 - 10 * MIN,
        finished_at: T0 - 10 * MIN + (i + 1) * 100,
      });
    }
    expect(await outcomes(list)).toEqual({ kind: 'recorded', accepted: 20, duplicates: 0 });
    expect(await outcomes(list.slice(0, 5))).toEqual({ kind: 'recorded', accepted: 0, duplicates: 5 });
    expect(await outcomes([{ ...list[0]!, job_id: 'x', node_id: 'ghost' }])).toEqual({
      kind: 'unknown_nodes',
      nodeIds: ['ghost'],
    });

    await collector().collect();
    const rows = await fixture
      .store()
      .db.selectFrom('sla_metrics')
      .selectAll()
      .where('node_id', '=', 'w')
      .execute();
    const byType = Object.fromEntries(rows.map((r) => [r.metric_type, r]));
    expect(byType.response_time_ms?.metric_value).toBe(1900); // nearest-rank p95 of 100..2000
    expect(JSON.parse(byType.response_time_ms?.metadata ?? '{}').mean_ms).toBe(1050);
    expect(byType.response_time_ms?.severity).toBe('high');
    expect(byType.completion_rate_pct?.metric_value).toBe(75);
    expect(byType.completion_rate_pct?.severity).toBe('critical');
  });

  it('measures fleet capacity in free slots of live nodes', async () => {
    await register('x', 4);
    await register('y', 4);
    await beat('x', T0 - 1_000, 3);
    const summary = await collector().collect();
    // y never beat: its 4 slots are unavailable; x has 1 of 4 free → 1/8.
    expect(summary.capacity.capacity_availability_pct).toBe(12.5);
    expect(summary.capacity.live_nodes).toBe(1);
    const fleet = await listViolations(fixture.store().db, { resolved: false, limit: 10 });
    expect(fleet.find((v) => v.subject === 'fleet')?.severity).toBe('high');
  });
});
