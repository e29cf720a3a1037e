import { describe, expect, it } from 'vitest';
import { capacityOutlook, scalingText } from '../../../src/core/capacity/outlook.ts';
import { recommend, type ScopeOutlook } from '../../../src/core/capacity/recommendations.ts';
import { arrivalsByScope, capacityPoints } from '../../../src/core/capacity/series.ts';
import type { ForecastPoint } from '../../../src/core/forecast/types.ts';

const H = 3_600_000;
const NOW = Date.UTC(2026, 11, 1);

const flat = (values: number[], spread = 2): ForecastPoint[] =>
  values.map((value, i) => ({
    step: i + 1,
    value,
    lower80: value - spread,
    upper80: value + spread,
    lower95: value - 2 * spread,
    upper95: value + 2 * spread,
  }));

describe('capacity series', () => {
  it('means each bucket over its samplings, takes demand as the larger of work arriving and busy, and leaves gaps null', () => {
    const points = capacityPoints(
      [
        {
          bucket_start: 0,
          samples: 2,
          busy_sum: 6,
          queued_sum: 4,
          supply_sum: 20,
          live_nodes_sum: 4,
          arrivals: 10,
          work_slot_s: 36_000,
        },
        {
          bucket_start: 2 * H,
          samples: 1,
          busy_sum: 5,
          queued_sum: 0,
          supply_sum: 10,
          live_nodes_sum: 2,
          arrivals: 0,
          work_slot_s: 0,
        },
        {
          bucket_start: 3 * H,
          samples: 0,
          busy_sum: 0,
          queued_sum: 0,
          supply_sum: 0,
          live_nodes_sum: 0,
          arrivals: 3,
          work_slot_s: 7_200,
        },
      ],
      { from: 0, to: 4 * H, intervalS: 3600 },
    );
    // 36,000 slot-seconds in an hour is 10 slots of work arriving; busy was 3.
    expect(points[0]).toMatchObject({ demand: 10, busy: 3, queued: 2, supply: 10, live_nodes: 2, work: 10 });
    expect(points[1]).toMatchObject({ at: H, demand: null, busy: null, supply: null });
    expect(points[2]).toMatchObject({ demand: 5, work: 0 });
    // Arrivals without a sampling (the sampler was down) still say what arrived.
    expect(points[3]).toMatchObject({ demand: 2, busy: null });
  });

  it('prices arrivals with the bucket’s mean attempt, else the topic’s, and sums the fleet', () => {
    const rows = arrivalsByScope([
      { topic: 'a', bucket_start: 0, arrivals: 4, attempts: 2, attempt_ms: 6_000 },
      { topic: 'a', bucket_start: H, arrivals: 2, attempts: 0, attempt_ms: 0 },
      { topic: 'b', bucket_start: 0, arrivals: 5, attempts: 0, attempt_ms: 0 },
    ]);
    const of = (scope: string, at: number) => rows.find((r) => r.scope === scope && r.bucket_start === at);
    expect(of('topic:a', 0)).toMatchObject({ arrivals: 4, work_slot_s: 12 });
    expect(of('topic:a', H)).toMatchObject({ arrivals: 2, work_slot_s: 6 });
    // Topic b never ended an attempt: its arrivals count, its work cannot be priced.
    expect(of('topic:b', 0)).toMatchObject({ arrivals: 5, work_slot_s: 0 });
    expect(of('fleet', 0)).toMatchObject({ arrivals: 9, work_slot_s: 12 });
  });
});

describe('capacity outlook', () => {
  it('sizes the peak’s upper bound to the ceiling and finds when demand passes supply and the ceiling', () => {
    const o = capacityOutlook({
      points: flat([10, 30, 37, 42, 20]),
      firstAt: NOW,
      intervalMs: H,
      supply: 40,
      thresholdPct: 80,
      risk: 0.95,
      accuracy: { mase: 0.5, smape: 10, coverage80: 0.7, coverage95: 0.9 },
    });
    expect(o.peak).toEqual({ value: 42, upper: 46, at: NOW + 3 * H });
    expect(o.projected_capacity).toBe(Math.ceil(46 / 0.8));
    expect(o.recommended_scaling).toBe('+45%');
    expect(o.confidence).toBe(0.9);
    expect(o.exceeds_supply_at).toBe(NOW + 3 * H);
    expect(o.may_exceed_supply_at).toBe(NOW + 2 * H);
    // 37 of 40 slots is 92.5 %: the first past 80 %.
    expect(o.crosses_threshold_at).toBe(NOW + 2 * H);
    expect(o.crossing_pct).toBe(92.5);
  });

  it('writes the change as the seed does', () => {
    expect(scalingText(40, 60)).toBe('+50%');
    expect(scalingText(40, 30)).toBe('-25%');
    expect(scalingText(40, 40)).toBe('none');
    expect(scalingText(0, 12)).toBe('+12 slots');
    expect(scalingText(0, 0)).toBe('none');
  });
});

describe('recommendations', () => {
  const scope = (points: ForecastPoint[], over: Partial<Extract<ScopeOutlook, { kind: 'forecast' }>> = {}) =>
    ({
      scope: 'topic:render',
      topic: 'render',
      kind: 'forecast',
      outlook: capacityOutlook({
        points,
        firstAt: NOW + H,
        intervalMs: H,
        supply: 24,
        thresholdPct: 80,
        risk: 0.95,
      }),
      slots_per_node: 8,
      utilization_pct: 50,
      model: 'mstl_ets',
      mase: 0.7,
      horizon_end: NOW + (points.length + 1) * H,
      longest_season_ms: 24 * H,
      ...over,
    }) as const;

  it('adds whole nodes for the missing slots, urgent as the crossing is near', () => {
    // Passes the 24 live slots within a day: critical.
    const soon = recommend([scope(flat([20, 26, 30]))], { now: NOW, thresholdPct: 80, risk: 0.95 });
    expect(soon.current_state).toBe('critical');
    expect(soon.recommendations[0]).toMatchObject({
      action: 'add_nodes',
      quantity: Math.ceil((Math.ceil(34 / 0.8) - 24) / 8),
      priority: 'critical',
      // 20 of 24 slots is already past 80 % at the first point.
      by: new Date(NOW + H).toISOString(),
    });
    expect(soon.recommendations[0]?.reason).toContain('topic render');
    expect(soon.recommendations[0]?.reason).toContain('MASE 0.70');

    // Passes 80 % only after two days, never the live slots: medium.
    const later = flat([...Array(48).fill(10), 21]);
    expect(
      recommend([scope(later)], { now: NOW, thresholdPct: 80, risk: 0.95 }).recommendations[0],
    ).toMatchObject({
      priority: 'medium',
    });

    // Only the upper bound needs more: low.
    const tight = recommend([scope(flat([18, 18, 18]))], { now: NOW, thresholdPct: 80, risk: 0.95 });
    expect(tight.recommendations[0]).toMatchObject({ action: 'add_nodes', priority: 'low' });
    expect(tight.current_state).toBe('healthy');
  });

  it('removes spare whole nodes only over a horizon that covers a whole season', () => {
    const quiet = flat(Array(30).fill(4), 1);
    const spare = recommend([scope(quiet)], { now: NOW, thresholdPct: 80, risk: 0.95 });
    expect(spare.current_state).toBe('over_provisioned');
    expect(spare.recommendations[0]).toMatchObject({
      action: 'remove_nodes',
      quantity: Math.floor((24 - Math.ceil(6 / 0.8)) / 8),
      priority: 'low',
    });
    const short = recommend([scope(flat(Array(5).fill(4), 1))], { now: NOW, thresholdPct: 80, risk: 0.95 });
    expect(short.recommendations).toEqual([]);
  });

  it('speaks of the autoscaler target of a pool it sizes: nothing within its maximum, a higher maximum beyond it', () => {
    const pool = { target: 'render-pool', max_replicas: 3, slots_per_replica: 8 };
    // Needs ⌈34 / 0.8⌉ = 43 slots: 6 replicas of 8, over the maximum of 3.
    const over = recommend([{ ...scope(flat([20, 26, 30])), autoscaled: pool }], {
      now: NOW,
      thresholdPct: 80,
      risk: 0.95,
    });
    expect(over.recommendations).toEqual([
      expect.objectContaining({
        action: 'raise_max_replicas',
        quantity: 3,
        priority: 'high',
        slots_needed: 43 - 24,
      }),
    ]);
    expect(over.recommendations[0]?.reason).toContain('raise its max_replicas to 6');
    expect(over.current_state).toBe('warning');
    // The point forecast's peak (30 slots) passes 80 % of the maximum's 24 slots only after two
    // days: medium. The pool's live slots (24 here) play no part.
    const later = recommend(
      [{ ...scope(flat([...Array(48).fill(4), 30])), autoscaled: pool, utilization_pct: 0 }],
      { now: NOW, thresholdPct: 80, risk: 0.95 },
    );
    expect(later.recommendations[0]).toMatchObject({ action: 'raise_max_replicas', priority: 'medium' });
    // A bursty pool whose expected peak fits its maximum, with a wide upper bound beyond it:
    // worth knowing (low), no warning.
    const bursty = recommend([{ ...scope(flat([2, 5, 3], 12)), autoscaled: { ...pool, max_replicas: 1 } }], {
      now: NOW,
      thresholdPct: 80,
      risk: 0.95,
    });
    expect(bursty.recommendations[0]).toMatchObject({ action: 'raise_max_replicas', priority: 'low' });
    expect(bursty.recommendations[0]?.reason).toContain('only the 95% upper bound needs more');
    expect(bursty.current_state).toBe('healthy');
    // Within the maximum the autoscaler grows and shrinks the pool itself: no node, no removal.
    const within = recommend(
      [{ ...scope(flat(Array(30).fill(4), 1)), autoscaled: { ...pool, max_replicas: 10 } }],
      {
        now: NOW,
        thresholdPct: 80,
        risk: 0.95,
      },
    );
    expect(within).toMatchObject({ recommendations: [], current_state: 'healthy' });
  });

  it('says which scopes had too little history, and that nothing can be said without any forecast', () => {
    const none = recommend(
      [{ scope: 'fleet', topic: null, kind: 'insufficient', reason: 'needs 120 intervals' }],
      {
        now: NOW,
        thresholdPct: 80,
        risk: 0.95,
      },
    );
    expect(none).toEqual({
      current_state: 'insufficient_history',
      recommendations: [],
      notes: ['the fleet: needs 120 intervals'],
    });
  });
});
