import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/scaling/decide.ts';
import { DEFAULT_BEHAVIOUR, scaledTarget } from '../../../src/core/scaling/defaults.ts';
import { type Decision, EMPTY_STATE, type ScalingState } from '../../../src/core/scaling/types.ts';
import { at, echo, FREE, T0 } from './fixtures.ts';

describe('decide: hand-computed decisions', () => {
  const target = scaledTarget([echo('a')], { min_replicas: 2, max_replicas: 40 });

  it('scales up within HPA’s default step: the larger of 4 replicas and 100 % per 15 s', () => {
    const d = decide({
      now_ms: T0,
      actual: 10,
      desired: 10,
      target,
      readings: { a: at(35) },
      state: EMPTY_STATE,
    });
    expect([d.recommended, d.replicas, d.reason]).toEqual([35, 20, 'bounded']);
    // Five seconds later the period still holds the 10 added: 20 stays the ceiling.
    const d2 = decide({
      now_ms: T0 + 5000,
      actual: 20,
      desired: 20,
      target,
      readings: { a: at(35, T0 + 5000) },
      state: d.state,
    });
    expect([d2.replicas, d2.reason]).toEqual([20, 'bounded']);
    // After the period, another 100 %: 35.
    const d3 = decide({
      now_ms: T0 + 15_001,
      actual: 20,
      desired: 20,
      target,
      readings: { a: at(35, T0 + 15_001) },
      state: d2.state,
    });
    expect([d3.replicas, d3.reason]).toEqual([35, 'scale_up']);
    // 2 → 6 is allowed by the 4-replica step although 100 % of 2 is only 2.
    const small = decide({
      now_ms: T0,
      actual: 2,
      desired: 2,
      target,
      readings: { a: at(30) },
      state: EMPTY_STATE,
    });
    expect(small.replicas).toBe(6);
  });

  it('holds a scale-down at the highest recommendation of the last 300 s', () => {
    let state: ScalingState = EMPTY_STATE;
    let desired = 12;
    const tick = (s: number, value: number): Decision => {
      const d = decide({
        now_ms: T0 + s * 1000,
        actual: desired,
        desired,
        target,
        readings: { a: at(value, T0 + s * 1000) },
        state,
      });
      state = d.state;
      desired = d.replicas;
      return d;
    };
    expect(tick(0, 12).reason).toBe('hold');
    expect([tick(60, 5).replicas, tick(60, 5).reason]).toEqual([12, 'stabilized']);
    expect(tick(200, 8).replicas).toBe(12);
    // At 300 s the recommendation of 12 (at 0 s) has left the window: down to the highest
    // since, which is 8 (at 200 s).
    const d = tick(300, 4);
    expect([d.replicas, d.reason]).toEqual([8, 'stabilized']);
    const last = tick(501, 4);
    expect([last.replicas, last.reason]).toEqual([4, 'scale_down']);
  });

  it('brings the recommendation within [min, max]', () => {
    const up = decide({
      now_ms: T0,
      actual: 38,
      desired: 38,
      target,
      readings: { a: at(90) },
      state: EMPTY_STATE,
    });
    expect([up.replicas, up.reason]).toEqual([40, 'bounded']);
    const down = decide({
      now_ms: T0,
      actual: 2,
      desired: 2,
      target,
      readings: { a: at(0) },
      state: EMPTY_STATE,
    });
    expect([down.replicas, down.reason]).toEqual([2, 'bounded']);
  });

  it('holds when no policy has fresh data, and says so', () => {
    const d = decide({
      now_ms: T0,
      actual: 7,
      desired: 9,
      target,
      readings: { a: at(1, T0, 61) },
      state: EMPTY_STATE,
    });
    expect([d.replicas, d.reason, d.recommended]).toEqual([9, 'no_data', null]);
    expect(d.proposals[0]?.reason).toMatch(/stale/);
  });

  it('keeps a scale-down back during the cooldown, but never a scale-up', () => {
    const cool = scaledTarget([echo('a')], { behaviour: { ...FREE, cooldown_s: 120 }, max_replicas: 50 });
    const up = decide({
      now_ms: T0,
      actual: 4,
      desired: 4,
      target: cool,
      readings: { a: at(10) },
      state: EMPTY_STATE,
    });
    expect(up.replicas).toBe(10);
    const down = decide({
      now_ms: T0 + 60_000,
      actual: 10,
      desired: 10,
      target: cool,
      readings: { a: at(3, T0 + 60_000) },
      state: up.state,
    });
    expect([down.replicas, down.reason]).toEqual([10, 'cooldown']);
    const again = decide({
      now_ms: T0 + 61_000,
      actual: 10,
      desired: 10,
      target: cool,
      readings: { a: at(20, T0 + 61_000) },
      state: down.state,
    });
    expect([again.replicas, again.reason]).toEqual([20, 'scale_up']);
    const later = decide({
      now_ms: T0 + 181_000,
      actual: 20,
      desired: 20,
      target: cool,
      readings: { a: at(3, T0 + 181_000) },
      state: again.state,
    });
    expect([later.replicas, later.reason]).toEqual([3, 'scale_down']);
  });

  it('brings the count within a lowered max even during the cooldown', () => {
    const cool = scaledTarget([echo('a')], { behaviour: { ...FREE, cooldown_s: 120 }, max_replicas: 50 });
    const up = decide({
      now_ms: T0,
      actual: 4,
      desired: 4,
      target: cool,
      readings: { a: at(40) },
      state: EMPTY_STATE,
    });
    const lowered = { ...cool, max_replicas: 30 };
    const d = decide({
      now_ms: T0 + 10_000,
      actual: 40,
      desired: 40,
      target: lowered,
      readings: { a: at(35, T0 + 10_000) },
      state: up.state,
    });
    expect([d.replicas, d.reason]).toEqual([30, 'bounded']);
  });

  it('takes the largest proposal, and starts from the running count before the first decision', () => {
    const two = scaledTarget([echo('a'), echo('b')], { behaviour: FREE, max_replicas: 50 });
    const d = decide({
      now_ms: T0,
      actual: 5,
      desired: null,
      target: two,
      readings: { a: at(3), b: at(9) },
      state: EMPTY_STATE,
    });
    expect([d.recommended, d.replicas, d.reason]).toEqual([9, 9, 'scale_up']);
    expect(d.detail).toBe('5 → 9: 9 recommended');
  });
});

it('DEFAULT_BEHAVIOUR is HPA’s', () => {
  expect(DEFAULT_BEHAVIOUR.scale_down.stabilization_s).toBe(300);
  expect(DEFAULT_BEHAVIOUR.scale_up).toEqual({
    max_step: 4,
    max_step_pct: 100,
    period_s: 15,
    stabilization_s: 0,
  });
});
