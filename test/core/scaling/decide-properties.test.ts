import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/scaling/decide.ts';
import {
  type Behaviour,
  type Decision,
  type DirectionBehaviour,
  EMPTY_STATE,
  type Policy,
  type Readings,
  type ScaledTarget,
  type ScalingState,
} from '../../../src/core/scaling/types.ts';
import { echo, FREE, T0 } from './fixtures.ts';

// Properties over sequences of ticks with arbitrary targets, policies and readings.

const direction: fc.Arbitrary<DirectionBehaviour> = fc.record({
  max_step: fc.integer({ min: 0, max: 20 }),
  max_step_pct: fc.integer({ min: 0, max: 200 }),
  period_s: fc.integer({ min: 0, max: 120 }),
  stabilization_s: fc.integer({ min: 0, max: 600 }),
});
const behaviour: fc.Arbitrary<Behaviour> = fc.record({
  scale_up: direction,
  scale_down: direction,
  cooldown_s: fc.integer({ min: 0, max: 300 }),
});
const METRIC_NAMES = ['m1', 'm2', 'm3'] as const;
const metric = fc.constantFrom(...METRIC_NAMES);
const policy: fc.Arbitrary<Policy> = fc.oneof(
  fc.record({
    kind: fc.constant('watermark' as const),
    name: fc.constant('w'),
    metric,
    high: fc.integer({ min: 10, max: 100 }),
    low: fc.integer({ min: 0, max: 9 }),
    breaches: fc.integer({ min: 1, max: 4 }),
    max_age_s: fc.integer({ min: 5, max: 120 }),
  }),
  fc.record({
    kind: fc.constant('target' as const),
    name: fc.constant('t'),
    metric,
    target: fc.double({ min: 0.1, max: 50, noNaN: true }),
    metric_type: fc.constantFrom('per_replica' as const, 'total' as const),
    tolerance: fc.constantFrom(0, 0.1),
    max_age_s: fc.integer({ min: 5, max: 120 }),
  }),
  fc.record({
    kind: fc.constant('backlog' as const),
    name: fc.constant('b'),
    backlog: metric,
    arrival_rate_per_s: metric,
    throughput_per_replica_per_s: metric,
    deadline_s: fc.integer({ min: 1, max: 120 }),
    startup_s: fc.integer({ min: 0, max: 60 }),
    headroom: fc.constantFrom(0, 0.1, 0.5),
    max_age_s: fc.integer({ min: 5, max: 120 }),
    throughput_max_age_s: fc.integer({ min: 5, max: 3600 }),
  }),
);
const target: fc.Arbitrary<ScaledTarget> = fc
  .record({
    min_replicas: fc.integer({ min: 0, max: 10 }),
    span: fc.integer({ min: 0, max: 40 }),
    paused: fc.constant(false),
    behaviour,
    policies: fc.uniqueArray(policy, { maxLength: 3, selector: (p) => p.name }),
  })
  .map(({ span, ...t }) => ({ ...t, max_replicas: t.min_replicas + span }));

/** One tick: time since the last, the platform's running count, and each metric's reading. */
interface Tick {
  dt_s: number;
  actual: number;
  readings: Record<string, { value: number; age_s: number } | undefined>;
}
const reading: fc.Arbitrary<{ value: number; age_s: number } | undefined> = fc.option(
  fc.record({
    value: fc.double({ min: 0, max: 500, noNaN: true }),
    age_s: fc.integer({ min: -5, max: 200 }),
  }),
  { nil: undefined },
);
const tick: fc.Arbitrary<Tick> = fc.record({
  dt_s: fc.integer({ min: 1, max: 120 }),
  actual: fc.integer({ min: 0, max: 60 }),
  readings: fc.record({ m1: reading, m2: reading, m3: reading }),
});
const ticks = fc.array(tick, { minLength: 1, maxLength: 25 });

interface Step {
  now_ms: number;
  current: number;
  decision: Decision;
}

/** Runs the ticks through decide(), feeding back the stored count and state as the autoscaler does. */
function run(t: ScaledTarget, steps: Tick[], desired: number | null = null): Step[] {
  let state: ScalingState = EMPTY_STATE;
  let now_ms = T0;
  const out: Step[] = [];
  for (const s of steps) {
    now_ms += s.dt_s * 1000;
    const readings: Readings = Object.fromEntries(
      Object.entries(s.readings).flatMap(([k, r]) =>
        r === undefined ? [] : [[k, { value: r.value, at: now_ms - r.age_s * 1000 }]],
      ),
    );
    const current = desired ?? s.actual;
    const decision = decide({ now_ms, actual: s.actual, desired, target: t, readings, state });
    out.push({ now_ms, current, decision });
    // What the autoscaler stores: the state as JSON, so nothing but plain data survives.
    state = JSON.parse(JSON.stringify(decision.state)) as ScalingState;
    desired = decision.replicas;
  }
  return out;
}

describe('decide: properties', () => {
  it('always lands within [min, max]', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        for (const { decision } of run(t, s)) {
          expect(decision.replicas).toBeGreaterThanOrEqual(t.min_replicas);
          expect(decision.replicas).toBeLessThanOrEqual(t.max_replicas);
          expect(Number.isInteger(decision.replicas)).toBe(true);
        }
      }),
    );
  });

  it('paused holds the current count whatever the policies say', () => {
    fc.assert(
      fc.property(target, ticks, fc.integer({ min: 0, max: 60 }), (t, s, start) => {
        for (const { current, decision } of run({ ...t, paused: true }, s, start)) {
          expect(decision.replicas).toBe(current);
          expect(decision.reason).toBe('paused');
        }
      }),
    );
  });

  it('recommends the largest proposal, and holds within the bounds when there is none', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        for (const { current, decision } of run(t, s)) {
          const offered = decision.proposals.flatMap((p) => (p.replicas === null ? [] : [p.replicas]));
          if (offered.length === 0) {
            expect(decision.recommended).toBeNull();
            expect(decision.replicas).toBe(Math.min(t.max_replicas, Math.max(t.min_replicas, current)));
          } else {
            expect(decision.recommended).toBe(Math.max(...offered));
          }
        }
      }),
    );
  });

  it('with no windows, limits or cooldown, chooses the largest proposal (within the bounds)', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        const free = { ...t, behaviour: FREE };
        for (const { decision } of run(free, s)) {
          if (decision.recommended === null) continue;
          expect(decision.replicas).toBe(
            Math.min(t.max_replicas, Math.max(t.min_replicas, decision.recommended)),
          );
        }
      }),
    );
  });

  it('a policy with missing or stale data changes nothing: the same decisions as without it', () => {
    const silent: Policy = { ...(echo('silent', 'never-read') as Policy) };
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        const without = run(t, s).map((x) => x.decision.replicas);
        const withSilent = run({ ...t, policies: [...t.policies, silent] }, s).map(
          (x) => x.decision.replicas,
        );
        expect(withSilent).toEqual(without);
      }),
    );
  });

  it('when every policy lacks data the count never goes down', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        const stale = s.map((x) => ({ ...x, readings: { m1: undefined, m2: undefined, m3: undefined } }));
        for (const { current, decision } of run(t, stale)) {
          expect(decision.replicas).toBeGreaterThanOrEqual(Math.min(current, t.max_replicas));
        }
      }),
    );
  });

  it('never scales down below the highest recommendation within the scale-down window', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        const window_ms = t.behaviour.scale_down.stabilization_s * 1000;
        const seen: { at: number; replicas: number }[] = [];
        for (const { now_ms, current, decision } of run(t, s)) {
          if (decision.recommended !== null && !t.paused) {
            seen.push({
              at: now_ms,
              replicas: Math.min(t.max_replicas, Math.max(t.min_replicas, decision.recommended)),
            });
          }
          if (decision.replicas < current) {
            const recent = seen.filter((r) => r.at > now_ms - window_ms || r.at === now_ms);
            for (const r of recent)
              expect(decision.replicas).toBeGreaterThanOrEqual(Math.min(r.replicas, current));
          }
        }
      }),
    );
  });

  it('scales down exactly to the highest recommendation of the window, never below it', () => {
    // One policy that proposes its reading, no step limits: the window alone shapes the result.
    const values = fc.array(
      fc.record({ dt_s: fc.integer({ min: 1, max: 200 }), value: fc.integer({ min: 0, max: 60 }) }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(
        values,
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 60 }),
        (seq, window_s, start) => {
          const t: ScaledTarget = {
            min_replicas: 0,
            max_replicas: 60,
            paused: false,
            policies: [echo('a')],
            behaviour: { ...FREE, scale_down: { ...FREE.scale_down, stabilization_s: window_s } },
          };
          let state: ScalingState = EMPTY_STATE;
          let desired = start;
          let now_ms = T0;
          const seen: { at: number; value: number }[] = [];
          for (const { dt_s, value } of seq) {
            now_ms += dt_s * 1000;
            seen.push({ at: now_ms, value });
            const d = decide({
              now_ms,
              actual: desired,
              desired,
              target: t,
              readings: { a: { value, at: now_ms } },
              state,
            });
            const highest = Math.max(
              ...seen.filter((r) => r.at > now_ms - window_s * 1000).map((r) => r.value),
              value,
            );
            expect(d.replicas).toBe(value >= desired ? value : Math.min(desired, highest));
            state = d.state;
            desired = d.replicas;
          }
        },
      ),
    );
  });

  it('never scales down within the cooldown after a change', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        let last_change: number | null = null;
        for (const { now_ms, current, decision } of run(t, s)) {
          const cooling = last_change !== null && now_ms - last_change < t.behaviour.cooldown_s * 1000;
          if (cooling && current <= t.max_replicas) expect(decision.replicas).toBeGreaterThanOrEqual(current);
          if (decision.replicas !== current) last_change = now_ms;
        }
      }),
    );
  });

  it('within one period, never rises by more than the larger step, nor falls by more', () => {
    fc.assert(
      fc.property(target, ticks, fc.integer({ min: 0, max: 60 }), (t0, s, startRaw) => {
        const duration_s = s.reduce((a, x) => a + x.dt_s, 0);
        const t: ScaledTarget = {
          ...t0,
          behaviour: {
            ...t0.behaviour,
            scale_up: { ...t0.behaviour.scale_up, period_s: duration_s + 1 },
            scale_down: { ...t0.behaviour.scale_down, period_s: duration_s + 1 },
          },
        };
        // Start within the bounds, so the bounds never force a move.
        const start = Math.min(t.max_replicas, Math.max(t.min_replicas, startRaw));
        const up = t.behaviour.scale_up;
        const down = t.behaviour.scale_down;
        const highest = Math.max(start + up.max_step, Math.ceil(start * (1 + up.max_step_pct / 100) - 1e-9));
        const lowest = Math.min(
          start - down.max_step,
          Math.floor(start * (1 - down.max_step_pct / 100) + 1e-9),
        );
        for (const { decision } of run(t, s, start)) {
          expect(decision.replicas).toBeLessThanOrEqual(Math.max(highest, start));
          expect(decision.replicas).toBeGreaterThanOrEqual(
            Math.min(start, Math.max(0, lowest, t.min_replicas)),
          );
        }
      }),
    );
  });

  it('keeps its state small: only what the windows can still read', () => {
    fc.assert(
      fc.property(target, ticks, (t, s) => {
        const steps = run(t, s);
        const last = steps.at(-1) as Step;
        const b = t.behaviour;
        const window_ms = Math.max(b.scale_up.stabilization_s, b.scale_down.stabilization_s) * 1000;
        for (const r of last.decision.state.recommendations)
          expect(r.at).toBeGreaterThan(last.now_ms - window_ms - 1);
        expect(last.decision.state.changes.length).toBeLessThanOrEqual(steps.length);
      }),
    );
  });
});
