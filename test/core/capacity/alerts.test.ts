import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CapacityAlertInput,
  type CapacityAlertKind,
  type ForecastCrossing,
  type OpenCapacityAlert,
  planCapacityAlerts,
  utilizationResolveBelowPct,
} from '../../../src/core/capacity/alerts.ts';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

function open(kind: CapacityAlertKind, over: Partial<OpenCapacityAlert> = {}): OpenCapacityAlert {
  return {
    id: `a-${kind}`,
    kind,
    openedAt: T0,
    thresholdPct: 80,
    valuePct: 85,
    worstPct: 85,
    forecastAt: kind === 'capacity_forecast_breach' ? T0 + 60 * MIN : null,
    ...over,
  };
}

const plan = (input: Partial<CapacityAlertInput>) =>
  planCapacityAlerts({ open: [], utilizationPct: 50, thresholdPct: 80, now: T0 + 10 * MIN, ...input });

describe('planCapacityAlerts: utilisation', () => {
  it('fires at the threshold, not below it', () => {
    expect(plan({ utilizationPct: 79.9 })).toEqual([]);
    expect(plan({ utilizationPct: 80 })).toEqual([
      { kind: 'fired', alert: 'capacity_utilization_high', valuePct: 80, thresholdPct: 80, forecastAt: null },
    ]);
  });

  it('stays open inside the hysteresis band and resolves below it, with its duration', () => {
    const current = open('capacity_utilization_high');
    expect(utilizationResolveBelowPct(80)).toBe(78);
    expect(plan({ open: [current], utilizationPct: 78.5 })).toEqual([
      { kind: 'continued', alert: current, valuePct: 78.5, worstPct: 85, forecastAt: null },
    ]);
    expect(plan({ open: [current], utilizationPct: 97 })).toMatchObject([
      { kind: 'continued', worstPct: 97 },
    ]);
    expect(plan({ open: [current], utilizationPct: 77.9 })).toEqual([
      { kind: 'resolved', alert: current, valuePct: 77.9, durationMs: 10 * MIN },
    ]);
  });

  it('changes nothing without a reading (no live slot)', () => {
    expect(plan({ utilizationPct: null })).toEqual([]);
    const current = open('capacity_utilization_high');
    expect(plan({ open: [current], utilizationPct: null })).toEqual([
      { kind: 'continued', alert: current, valuePct: null, worstPct: 85, forecastAt: null },
    ]);
  });

  it('can resolve at a low threshold: the margin is at most half of it', () => {
    expect(utilizationResolveBelowPct(1)).toBe(0.5);
    expect(
      plan({ open: [open('capacity_utilization_high')], thresholdPct: 1, utilizationPct: 0 }),
    ).toMatchObject([{ kind: 'resolved' }]);
  });
});

describe('planCapacityAlerts: forecast', () => {
  const crossing: ForecastCrossing = { at: T0 + 3 * 60 * MIN, pct: 83 };

  it('fires when the forecast crosses within the horizon, naming when', () => {
    expect(plan({ forecast: crossing })).toEqual([
      {
        kind: 'fired',
        alert: 'capacity_forecast_breach',
        valuePct: 83,
        thresholdPct: 80,
        forecastAt: crossing.at,
      },
    ]);
  });

  it('never fires again while open, and follows the crossing as it moves', () => {
    const current = open('capacity_forecast_breach');
    expect(plan({ open: [current], forecast: { at: T0 + 90 * MIN, pct: 88 } })).toEqual([
      { kind: 'continued', alert: current, valuePct: 88, worstPct: 88, forecastAt: T0 + 90 * MIN },
    ]);
  });

  it('resolves when the forecast no longer crosses, and holds when no forecast is known', () => {
    const current = open('capacity_forecast_breach');
    expect(plan({ open: [current], forecast: null })).toEqual([
      { kind: 'resolved', alert: current, valuePct: null, durationMs: 10 * MIN },
    ]);
    expect(plan({ open: [current], forecast: undefined })).toMatchObject([
      { kind: 'continued', forecastAt: current.forecastAt },
    ]);
    expect(plan({ forecast: undefined })).toEqual([]);
  });

  it('keeps the two alerts independent', () => {
    const both = plan({ utilizationPct: 95, forecast: crossing });
    expect(both.map((t) => t.kind === 'fired' && t.alert)).toEqual([
      'capacity_utilization_high',
      'capacity_forecast_breach',
    ]);
  });
});

describe('planCapacityAlerts: properties', () => {
  const reading = fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null });
  const forecast = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.record({
      at: fc.integer({ min: T0, max: T0 + 1e9 }),
      pct: fc.double({ min: 0, max: 200, noNaN: true }),
    }),
  );
  const step = fc.record({ utilizationPct: reading, forecast });

  /** Runs the planner over a sequence of collections, applying its transitions as the store does. */
  function run(
    steps: ReadonlyArray<{ utilizationPct: number | null; forecast: ForecastCrossing | null | undefined }>,
  ) {
    let state: OpenCapacityAlert[] = [];
    const fired: CapacityAlertKind[] = [];
    steps.forEach((s, i) => {
      const now = T0 + i * 5 * MIN;
      const transitions = planCapacityAlerts({ open: state, thresholdPct: 80, now, ...s });
      // Every open alert is accounted for once, and nothing fires twice.
      for (const a of state) {
        expect(transitions.filter((t) => t.kind !== 'fired' && t.alert.id === a.id)).toHaveLength(1);
      }
      const next: OpenCapacityAlert[] = [];
      for (const t of transitions) {
        if (t.kind === 'fired') {
          expect(state.some((a) => a.kind === t.alert)).toBe(false);
          fired.push(t.alert);
          next.push({
            id: `${t.alert}-${i}`,
            kind: t.alert,
            openedAt: now,
            thresholdPct: t.thresholdPct,
            valuePct: t.valuePct,
            worstPct: t.valuePct,
            forecastAt: t.forecastAt,
          });
        } else if (t.kind === 'continued') {
          next.push({ ...t.alert, worstPct: t.worstPct, forecastAt: t.forecastAt });
        }
      }
      state = next;
    });
    return { state, fired };
  }

  it('keeps at most one open alert of each kind and never re-fires one that is open', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const { state } = run(steps);
        expect(new Set(state.map((a) => a.kind)).size).toBe(state.length);
      }),
    );
  });

  it('does not flap: utilisation moving within the hysteresis band fires once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 78, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (pcts) => {
          const { fired } = run([
            { utilizationPct: 80, forecast: undefined },
            ...pcts.map((p) => ({ utilizationPct: p, forecast: undefined })),
          ]);
          expect(fired).toEqual(['capacity_utilization_high']);
        },
      ),
    );
  });
});
