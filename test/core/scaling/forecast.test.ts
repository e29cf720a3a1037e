import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/scaling/decide.ts';
import { forecastPeak, forecastProposal } from '../../../src/core/scaling/forecast.ts';
import type { PolicyContext } from '../../../src/core/scaling/readings.ts';
import {
  type BacklogPolicy,
  EMPTY_STATE,
  type ForecastPolicy,
  type Readings,
  type ScaledTarget,
} from '../../../src/core/scaling/types.ts';
import { at, FREE, T0 } from './fixtures.ts';

const policy: ForecastPolicy = {
  kind: 'forecast',
  name: 'forecast',
  metric: 'forecast.upper80.next_10s',
  level: 'upper80',
  lead_s: 10,
  slots_per_replica: 2,
  target_utilization: 0.8,
  max_age_s: 60,
};
const ctx = (readings: Readings, actual = 3, current = actual): PolicyContext => ({
  now_ms: T0,
  actual,
  current,
  readings,
});

describe('forecast policy', () => {
  it('proposes ⌈slots ÷ (slots per replica × utilization)⌉', () => {
    // 8 slots ÷ (2 × 0.8) = 5
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(8) })).replicas).toBe(5);
    // 8.1 ÷ 1.6 = 5.06 → 6
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(8.1) })).replicas).toBe(6);
    // No demand forecast: none needed; a negative bound is no demand.
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(0) })).replicas).toBe(0);
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(-3) })).replicas).toBe(0);
    const p = forecastProposal(policy, ctx({ [policy.metric]: at(8) }));
    expect(p.reason).toBe('forecast upper80 peak 8 slots within 10 s, 2 per replica at 0.8');
  });

  it('proposes nothing without a fresh forecast', () => {
    expect(forecastProposal(policy, ctx({})).replicas).toBeNull();
    expect(forecastProposal(policy, ctx({})).reason).toBe('forecast.upper80.next_10s: no reading');
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(8, T0, 61) })).replicas).toBeNull();
    expect(forecastProposal(policy, ctx({ [policy.metric]: at(Number.NaN) })).replicas).toBeNull();
  });

  it('never proposes fewer replicas for more demand', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const pl = forecastProposal(policy, ctx({ [policy.metric]: at(lo) })).replicas as number;
          const ph = forecastProposal(policy, ctx({ [policy.metric]: at(hi) })).replicas as number;
          expect(pl).toBeLessThanOrEqual(ph);
          // Enough slots at the utilization aimed for, and not one replica more.
          expect(ph * 1.6).toBeGreaterThanOrEqual(hi - 1e-6);
          if (ph > 0) expect((ph - 1) * 1.6).toBeLessThan(hi);
        },
      ),
    );
  });
});

describe('forecastPeak', () => {
  const hour = 3_600_000;
  const start = T0 - (T0 % hour);
  const points = [0, 1, 2].map((i) => ({
    at: start + i * hour,
    value: 10 + i,
    upper80: 20 + i,
    upper95: 30 + i,
  }));
  const peak = (now_ms: number, lead_s: number, level: 'point' | 'upper80' | 'upper95' = 'upper80') =>
    forecastPeak(points, { now_ms, lead_s, interval_s: 3600, level });

  it('reads the interval in progress, and the next one once the lead reaches it', () => {
    expect(peak(start + 10_000, 60)).toBe(20);
    expect(peak(start + hour - 30_000, 60)).toBe(21);
    expect(peak(start + hour - 30_000, 60, 'point')).toBe(11);
    expect(peak(start + hour - 30_000, 60, 'upper95')).toBe(31);
    // A lead past two boundaries takes the highest of three.
    expect(peak(start + 10_000, 2 * 3600)).toBe(22);
  });

  it('is null when no interval overlaps the window', () => {
    expect(peak(start + 3 * hour, 60)).toBeNull();
    expect(peak(start - 120_000, 60)).toBeNull();
    expect(forecastPeak([], { now_ms: T0, lead_s: 60, interval_s: 3600, level: 'point' })).toBeNull();
  });

  it('counts negative bounds as no demand', () => {
    const low = [{ at: start, value: -1, upper80: -0.5, upper95: 0.2 }];
    expect(forecastPeak(low, { now_ms: start, lead_s: 1, interval_s: 3600, level: 'point' })).toBe(0);
  });
});

describe('decide() with a forecast policy', () => {
  const backlog: BacklogPolicy = {
    kind: 'backlog',
    name: 'backlog',
    backlog: 'backlog',
    arrival_rate_per_s: 'rate',
    throughput_per_replica_per_s: 'mu',
    deadline_s: 30,
    startup_s: 5,
    headroom: 0,
    max_age_s: 60,
    throughput_max_age_s: 3600,
  };
  const target = (policies: ScaledTarget['policies']): ScaledTarget => ({
    min_replicas: 0,
    max_replicas: 50,
    paused: false,
    behaviour: FREE,
    policies,
  });
  const run = (policies: ScaledTarget['policies'], readings: Readings, desired: number) =>
    decide({ now_ms: T0, actual: desired, desired, target: target(policies), readings, state: EMPTY_STATE });
  const quiet = { backlog: at(0), rate: at(1), mu: at(1) };

  it('takes the largest proposal: the forecast wins ahead of a rise', () => {
    const d = run([backlog, policy], { ...quiet, [policy.metric]: at(16) }, 1);
    expect(d.proposals.map((p) => p.replicas)).toEqual([1, 10]);
    expect(d.replicas).toBe(10);
    expect(d.reason).toBe('scale_up');
  });

  it('lowers the count only as far as the forecast allows', () => {
    const d = run([backlog, policy], { ...quiet, [policy.metric]: at(4) }, 10);
    expect(d.replicas).toBe(3);
  });

  it('never scales down by itself: with no other proposal a lower forecast holds', () => {
    const d = run([backlog, policy], { [policy.metric]: at(1) }, 6);
    expect(d.proposals.map((p) => p.replicas)).toEqual([null, 1]);
    expect(d.replicas).toBe(6);
    expect(d.reason).toBe('hold');
    // … but a higher one still raises it.
    expect(run([backlog, policy], { [policy.metric]: at(16) }, 6).replicas).toBe(10);
  });
});
