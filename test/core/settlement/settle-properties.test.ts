import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportDigest } from '../../../src/core/reports/sign.ts';
import { settlementHash } from '../../../src/core/settlement/document.ts';
import { merkleRoot } from '../../../src/core/settlement/merkle.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import { input, type Observation, scenario, span } from './scenario.ts';

describe('settleEpoch: properties', () => {
  it('keeps every median inside the honest range when fewer than half of a node’s monitors lie', () => {
    let checked = 0;
    let withLiars = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const settlement = settleEpoch(input(s));
        for (const row of settlement.nodes) {
          const monitors = s.assignments.get(row.node) as string[];
          const honest = monitors.filter((m) => !s.liars.has(m));
          if (honest.length <= monitors.length - honest.length) continue;
          const seen = honest.map((m) => s.observations.get(m)?.get(row.node) as Observation);
          checked++;
          if (honest.length < monitors.length) withLiars++;
          expect(row.quorum_met, row.node).toBe(true);
          const [minLatency, maxLatency] = span(seen.map((o) => o.mean as number));
          // The settled downtime share lies within the honest monitors' shares (compared exactly).
          const d = row.downtime_intervals as number;
          const c = row.checks as number;
          expect(seen.some((o) => d * o.samples <= o.down * c)).toBe(true);
          expect(seen.some((o) => d * o.samples >= o.down * c)).toBe(true);
          expect(row.latency_ms).toBeGreaterThanOrEqual(minLatency);
          expect(row.latency_ms).toBeLessThanOrEqual(maxLatency);
        }
      }),
      { numRuns: 150 },
    );
    // Not vacuous: many nodes were checked, many of them with liars in their group.
    expect(checked).toBeGreaterThan(200);
    expect(withLiars).toBeGreaterThan(50);
  });

  it('pays non-negative whole rewards that never sum past the pool', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 1, max: 3_000_000 }).map((us) => us / 1000),
        fc.constantFrom('1/30', '0', '1/10', '0.5'),
        (s, pool, latencyAllowanceMs, downtimeAllowanceFraction) => {
          const settlement = settleEpoch(
            input(s, { rewardPool: pool.toString(), latencyAllowanceMs, downtimeAllowanceFraction }),
          );
          let sum = 0n;
          for (const row of settlement.nodes) {
            expect(row.reward).toMatch(/^(0|[1-9]\d*)$/);
            sum += BigInt(row.reward);
            if (row.score_ppm !== null) expect(row.score_ppm).toBeGreaterThanOrEqual(0);
            if (row.reward === '0') expect(row.reason).not.toBeNull();
            else expect(row.reason).toBeNull();
          }
          expect(sum).toBeLessThanOrEqual(pool);
          expect(settlement.total_reward).toBe(sum.toString());
          expect(settlement.withheld).toBe((pool - sum).toString());
        },
      ),
    );
  });

  it('is deterministic and independent of report order, repeats and assignment order', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, seed) => {
        const first = settleEpoch(input(s));
        expect(settleEpoch(input(s))).toEqual(first);
        const k = s.reports.length === 0 ? 0 : seed % s.reports.length;
        const reordered = [
          ...s.reports.slice(k),
          ...s.reports.slice(0, k),
          ...s.reports.slice(0, seed % 3),
        ].reverse();
        const assignments = new Map([...s.assignments].reverse());
        const again = settleEpoch(input(s, { reports: reordered, assignments }));
        expect(again).toEqual(first);
        expect(settlementHash(again)).toBe(settlementHash(first));
        expect(first.reports_merkle_root).toBe(merkleRoot(s.reports.map(reportDigest)));
        expect(first.reports_accepted).toBe(s.reports.length);
      }),
      { numRuns: 60 },
    );
  });

  it('scores a node only with a quorum of reports that hold samples of it', () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), (s, keep) => {
        const kept = s.reports.filter((_, i) => keep[i]);
        const keptMonitors = new Set(kept.map((r) => r.report.monitor));
        const settlement = settleEpoch(input(s, { reports: kept }));
        for (const row of settlement.nodes) {
          const monitors = s.assignments.get(row.node) as string[];
          const counted = monitors.filter(
            (m) => keptMonitors.has(m) && (s.observations.get(m)?.get(row.node)?.samples ?? 0) > 0,
          ).length;
          const required = Math.max(1, Math.ceil(monitors.length / 2));
          expect(row.reports_counted).toBe(counted);
          expect(row.quorum_required).toBe(required);
          expect(row.quorum_met).toBe(counted >= required);
          if (!row.quorum_met) {
            expect(row).toMatchObject({
              score_ppm: null,
              checks: null,
              reward: '0',
              reason: 'quorum_not_met',
            });
          } else {
            expect(row.score_ppm).not.toBeNull();
          }
        }
      }),
    );
  });
});
