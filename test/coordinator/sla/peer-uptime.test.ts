import { expect, it } from 'vitest';
import { recordPeerProbes } from '../../../src/store/repositories/peer-slices.ts';
import { listViolations } from '../../../src/store/repositories/sla-results.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { MIN, SLA_SETTINGS as settings, T0, useSlaFixture } from './support.ts';

const HOUR_AGO = T0 - 60 * MIN;

describeEachBackend('SLA collection with peer verdicts', (backend) => {
  const fixture = useSlaFixture(backend);

  const register = (id: string) => fixture.register(id, { at: HOUR_AGO - 60 * MIN });
  /** Heartbeats in the first `minutes` minutes of the window. */
  const beats = (id: string, minutes: number) =>
    fixture.heartbeats(
      Array.from({ length: minutes }, (_, m) => ({ node_id: id, at: HOUR_AGO + m * MIN + 5_000 })),
    );
  /** A monitor probing `target` every 5 minutes over the window, seeing `verdict(minute)`. */
  async function watch(monitor: string, target: string, verdict: (minute: number) => 0 | 1) {
    const probes = Array.from({ length: 12 }, (_, i): [number, 0 | 1] => [
      HOUR_AGO + i * 5 * MIN + 2_000,
      verdict(i * 5),
    ]);
    await recordPeerProbes(fixture.store(), {
      monitor,
      sliceMs: settings.slice_s * 1000,
      probeIntervalMs: 5 * MIN,
      targets: [{ target, probes }],
    });
  }
  async function uptimes() {
    const rows = await fixture
      .store()
      .db.selectFrom('sla_metrics')
      .select(['node_id', 'metric_value'])
      .where('metric_type', '=', 'uptime_pct')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.node_id, r.metric_value]));
  }

  it('counts a slice with a heartbeat whole, and the others by the median monitor’s share of up votes', async () => {
    for (const id of ['rescued', 'peers-down', 'tie', 'outvoted', 'silent']) await register(id);
    const up = () => 1 as const;
    const down = () => 0 as const;

    // Heartbeats stop at minute 30, but three monitors saw the node up all hour.
    await beats('rescued', 30);
    await Promise.all(['m1', 'm2', 'm3'].map((m) => watch(m, 'rescued', up)));

    // Never a heartbeat; two of three monitors saw it down: so did the median monitor.
    await watch('m1', 'peers-down', down);
    await watch('m2', 'peers-down', down);
    await watch('m3', 'peers-down', up);

    // Never a heartbeat; the monitors disagree one to one: the lower median of their down
    // shares goes to the node, as settlement's does.
    await watch('m1', 'tie', up);
    await watch('m2', 'tie', down);

    // Heartbeats stop at minute 30; three honest monitors see it down from then on, two lie:
    // the median monitor is honest, and the second half is down.
    await beats('outvoted', 30);
    for (const m of ['h1', 'h2', 'h3']) await watch(m, 'outvoted', (minute) => (minute < 30 ? 1 : 0));
    for (const m of ['liar1', 'liar2']) await watch(m, 'outvoted', up);

    await fixture.collector(() => T0).collect();

    const read = await uptimes();
    expect(read['rescued']).toBe(100);
    expect(read['peers-down']).toBe(0);
    expect(read['tie']).toBe(100);
    expect(read['outvoted']).toBe(50);
    expect(read['silent']).toBeNull();
    const open = await listViolations(fixture.store().db, { resolved: false, limit: 50 });
    const uptimeViolations = open
      .filter((v) => v.violation_type === 'uptime_pct')
      .map((v) => v.node_id)
      .sort();
    expect(uptimeViolations).toEqual(['outvoted', 'peers-down']);
  });

  it('counts a verdict row derived before migration 0008, without monitors’ votes, by its mask', async () => {
    await register('legacy');
    await fixture
      .store()
      .db.insertInto('peer_first_probes')
      .values({ node_id: 'legacy', first_probe_at: HOUR_AGO })
      .execute();
    // The hour's 60 slices start at HOUR_AGO; a row's 32 bits run from its row start.
    const rowStart = Math.floor(HOUR_AGO / MIN / 32) * 32 * MIN;
    await fixture
      .store()
      .db.insertInto('peer_verdict_slices')
      .values({ node_id: 'legacy', slice_ms: MIN, row_start: rowStart, mask: 0x00ffffff })
      .execute();
    await fixture.collector(() => T0).collect();
    // Its mask speaks for every slice of its row: up where set, down where not. The window's
    // slices after the row were voted on by nobody: no data for a node only peers speak for.
    const first = (HOUR_AGO - rowStart) / MIN;
    const covered = 32 - first;
    const up = 24 - first;
    expect((await uptimes())['legacy']).toBeCloseTo((100 * up) / covered, 9);
  });

  it('judges a node seen only by peers from their first probe', async () => {
    await register('late');
    // Peers first probed it 20 minutes ago and saw it up ever since.
    const start = T0 - 20 * MIN;
    await recordPeerProbes(fixture.store(), {
      monitor: 'm1',
      sliceMs: MIN,
      probeIntervalMs: 5 * MIN,
      targets: [
        { target: 'late', probes: [0, 1, 2, 3].map((i): [number, 0 | 1] => [start + i * 5 * MIN, 1]) },
      ],
    });
    const summary = await fixture.collector(() => T0).collect();
    expect(summary.nodes_processed).toBe(1);
    const row = await fixture
      .store()
      .db.selectFrom('sla_metrics')
      .select(['metric_value', 'metadata'])
      .where('node_id', '=', 'late')
      .where('metric_type', '=', 'uptime_pct')
      .executeTakeFirstOrThrow();
    expect(row.metric_value).toBe(100);
    expect(JSON.parse(row.metadata)).toEqual({ slices_up: 20, slices_total: 20 });
  });
});
