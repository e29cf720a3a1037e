import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backlogProposal, backlogSizing } from '../../../src/core/scaling/backlog.ts';
import type { PolicyContext } from '../../../src/core/scaling/readings.ts';
import { targetProposal } from '../../../src/core/scaling/target.ts';
import type {
  BacklogPolicy,
  Readings,
  TargetPolicy,
  WatermarkPolicy,
} from '../../../src/core/scaling/types.ts';
import { EMPTY_WATERMARK, watermarkProposal } from '../../../src/core/scaling/watermark.ts';

const NOW = 1_800_000_000_000;
const ctx = (readings: Readings, actual = 4, current = actual): PolicyContext => ({
  now_ms: NOW,
  actual,
  current,
  readings,
});
const at = (value: number, age_s = 0) => ({ value, at: NOW - age_s * 1000 });

const utilization: TargetPolicy = {
  kind: 'target',
  name: 'cpu',
  metric: 'util',
  target: 0.6,
  metric_type: 'per_replica',
  tolerance: 0.1,
  max_age_s: 60,
};

describe('target policy (the HPA formula)', () => {
  it('proposes ceil(replicas × metric / target)', () => {
    // 4 × 0.9 / 0.6 = 6
    expect(targetProposal(utilization, ctx({ util: at(0.9) })).replicas).toBe(6);
    // 10 × 0.3 / 0.6 = 5
    expect(targetProposal(utilization, ctx({ util: at(0.3) }, 10)).replicas).toBe(5);
    // 3 × 0.7 / 0.6 = 3.5 → 4
    expect(targetProposal(utilization, ctx({ util: at(0.7) }, 3)).replicas).toBe(4);
  });

  it('divides a total by the running replicas first (KEDA queue scalers)', () => {
    const queue: TargetPolicy = { ...utilization, metric: 'queue', target: 20, metric_type: 'total' };
    // 130 jobs over 4 replicas = 32.5 per replica; 4 × 32.5 / 20 = 6.5 → 7
    expect(targetProposal(queue, ctx({ queue: at(130) })).replicas).toBe(7);
    // From zero replicas: one per 20 jobs.
    expect(targetProposal(queue, ctx({ queue: at(41) }, 0)).replicas).toBe(3);
  });

  it('proposes the current count while within the tolerance, and moves just outside it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.oneof(fc.double({ min: 0.9, max: 1.1, noNaN: true }), fc.constantFrom(0.9, 1.1)),
        (actual, current, ratio) => {
          const p = targetProposal(utilization, ctx({ util: at(0.6 * ratio) }, actual, current));
          expect(p.replicas).toBe(current);
        },
      ),
    );
    expect(targetProposal(utilization, ctx({ util: at(0.6 * 1.11) }, 10)).replicas).toBe(12);
    expect(targetProposal(utilization, ctx({ util: at(0.6 * 0.89) }, 10)).replicas).toBe(9);
  });

  it('never proposes against the direction of the ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (actual, current, value) => {
          const p = targetProposal(utilization, ctx({ util: at(value) }, actual, current));
          const ratio = value / 0.6;
          if (ratio > 1.1) expect(p.replicas).toBeGreaterThanOrEqual(current);
          if (ratio < 0.9) expect(p.replicas).toBeLessThanOrEqual(current);
        },
      ),
    );
  });

  it('proposes nothing on stale or missing data, or with no replicas to average over', () => {
    expect(targetProposal(utilization, ctx({ util: at(0.9, 61) })).replicas).toBeNull();
    expect(targetProposal(utilization, ctx({})).replicas).toBeNull();
    expect(targetProposal(utilization, ctx({ util: at(Number.NaN) })).replicas).toBeNull();
    expect(targetProposal(utilization, ctx({ util: at(0.9) }, 0)).replicas).toBeNull();
    // 60 s old is still fresh at a 60 s limit; a clock slightly ahead is fresh too.
    expect(targetProposal(utilization, ctx({ util: at(0.9, 60) })).replicas).toBe(6);
    expect(targetProposal(utilization, ctx({ util: at(0.9, -2) })).replicas).toBe(6);
  });
});

const backlog: BacklogPolicy = {
  kind: 'backlog',
  name: 'backlog',
  backlog: 'b',
  arrival_rate_per_s: 'in',
  throughput_per_replica_per_s: 'mu',
  deadline_s: 61,
  startup_s: 15,
  headroom: 0.1,
  max_age_s: 30,
  throughput_max_age_s: 3600,
};

describe('backlog policy', () => {
  it('sizes by max(keep up, drain) with headroom: hand-computed cases', () => {
    // μ = 1/s, budget 61 − 1 = 60 s. 120 queued over 60 s = 2; keep up 2/s ÷ 1 = 2; × 1.1 → 3.
    expect(backlogSizing(120, 2, 1, 4, backlog)).toEqual({ keep_up: 2, drain: 2, budget_s: 60, replicas: 3 });
    // The arrival rate dominates: 9/s at μ = 0.5/s is 18 replicas; × 1.1 = 19.8 → 20.
    expect(backlogSizing(10, 9, 0.5, 18, backlog).replicas).toBe(20);
    // One running replica drains 60 of 600 jobs in time; the other 540 need replicas that
    // arrive after 15 s: 540 / 45 = 12 more, 13 in all; × 1.1 = 14.3 → 15.
    const late = backlogSizing(600, 0, 1, 1, backlog);
    expect(late.drain).toBeCloseTo(13, 9);
    expect(late.replicas).toBe(15);
    // Start-up longer than half the budget: late replicas are counted as serving half of it.
    // μ = 1, deadline 13 → budget 12, start-up 15: 1 + (120 − 12) / 6 = 19; no headroom.
    expect(backlogSizing(120, 0, 1, 1, { deadline_s: 13, startup_s: 15, headroom: 0 }).drain).toBeCloseTo(
      19,
      9,
    );
    // Nothing queued, nothing arriving: nothing needed (the bounds keep the minimum).
    expect(backlogSizing(0, 0, 2, 3, backlog).replicas).toBe(0);
  });

  it('never proposes fewer replicas for more backlog, more arrivals or slower replicas', () => {
    const nat = fc.double({ min: 0, max: 5000, noNaN: true });
    const rate = fc.double({ min: 0, max: 100, noNaN: true });
    const mu = fc.double({ min: 0.01, max: 50, noNaN: true });
    fc.assert(
      fc.property(
        nat,
        nat,
        rate,
        rate,
        mu,
        mu,
        fc.integer({ min: 0, max: 50 }),
        (b1, b2, l1, l2, m1, m2, running) => {
          const lo = backlogSizing(Math.min(b1, b2), Math.min(l1, l2), Math.max(m1, m2), running, backlog);
          const hi = backlogSizing(Math.max(b1, b2), Math.max(l1, l2), Math.min(m1, m2), running, backlog);
          expect(hi.replicas).toBeGreaterThanOrEqual(lo.replicas);
        },
      ),
    );
  });

  it('gives enough replicas to finish the backlog in time when none must start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.integer({ min: 2, max: 600 }),
        (b, mu, deadline_s) => {
          const p = { deadline_s, startup_s: 0, headroom: 0 };
          const n = backlogSizing(b, 0, mu, 0, p).replicas;
          if (b === 0) return;
          // The last of b jobs on n replicas: b / (n μ) queued plus its own service 1 / μ.
          const finish_s = b / (n * mu) + 1 / mu;
          expect(finish_s).toBeLessThanOrEqual(Math.max(deadline_s, 2 / mu) + 1e-6);
        },
      ),
    );
  });

  it('proposes nothing when any reading is missing or stale, and reads throughput with its own age limit', () => {
    const fresh = { b: at(120), in: at(2), mu: at(1) };
    expect(backlogProposal(backlog, ctx(fresh)).replicas).toBe(3);
    expect(backlogProposal(backlog, ctx({ ...fresh, b: undefined })).replicas).toBeNull();
    expect(backlogProposal(backlog, ctx({ ...fresh, in: at(2, 31) })).replicas).toBeNull();
    expect(backlogProposal(backlog, ctx({ ...fresh, mu: at(1, 3601) })).replicas).toBeNull();
    expect(backlogProposal(backlog, ctx({ ...fresh, mu: at(0) })).replicas).toBeNull();
    expect(backlogProposal(backlog, ctx({ ...fresh, mu: at(5e-324) })).replicas).toBeNull();
    // A throughput measured 10 minutes ago is still the service's throughput.
    expect(backlogProposal(backlog, ctx({ ...fresh, mu: at(1, 600) })).replicas).toBe(3);
  });
});

const watermark: WatermarkPolicy = {
  kind: 'watermark',
  name: 'seed',
  metric: 'q',
  high: 100,
  low: 10,
  breaches: 3,
  max_age_s: 30,
};

/** Feeds readings one per second (null: none) and returns each proposal's step. */
function steps(values: (number | null)[], policy = watermark, current = 5): number[] {
  let state = EMPTY_WATERMARK;
  return values.map((v, i) => {
    const readings: Readings = v === null ? {} : { q: { value: v, at: NOW + i * 1000 } };
    const r = watermarkProposal(
      policy,
      { now_ms: NOW + i * 1000, actual: current, current, readings },
      state,
    );
    state = r.state;
    return r.proposal.replicas === null ? Number.NaN : r.proposal.replicas - current;
  });
}

describe('watermark policy (the seed, with consecutive breaches)', () => {
  it('steps after three readings in a row beyond a watermark, and an interruption starts again', () => {
    expect(steps([150, 150, 150])).toEqual([0, 0, 1]);
    expect(steps([150, 150, 50, 150, 150, 150])).toEqual([0, 0, 0, 0, 0, 1]);
    // The seed's cumulative count would have stepped at the third breach here.
    expect(steps([150, 50, 150, 50, 150])).toEqual([0, 0, 0, 0, 0]);
    expect(steps([5, 5, 5, 5, 5, 5])).toEqual([0, 0, -1, 0, 0, -1]);
    // A missing reading breaks the run and proposes nothing.
    expect(steps([150, 150, null, 150, 150, 150])).toEqual([0, 0, Number.NaN, 0, 0, 1]);
    // Exactly at a watermark is not beyond it.
    expect(steps([100, 100, 100, 10, 10, 10])).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts a reading once however many ticks see it', () => {
    let state = EMPTY_WATERMARK;
    const reading = { q: { value: 500, at: NOW } };
    const proposals = [0, 1, 2, 3].map((i) => {
      const r = watermarkProposal(
        watermark,
        { now_ms: NOW + i * 1000, actual: 5, current: 5, readings: reading },
        state,
      );
      state = r.state;
      return r.proposal.replicas;
    });
    expect(proposals).toEqual([5, 5, 5, 5]);
  });

  it('steps exactly when the last `breaches` readings since the last step were all beyond one watermark', () => {
    const reading = fc.oneof(
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 10, max: 100 }),
      fc.integer({ min: 101, max: 300 }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(reading, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (values, breaches) => {
          const got = steps(values, { ...watermark, breaches });
          // The model: a run of same-side breaches, cut by anything else and by a step.
          let run: { side: number; length: number } = { side: 0, length: 0 };
          values.forEach((v, i) => {
            const side = v === null ? 0 : v > 100 ? 1 : v < 10 ? -1 : 0;
            run =
              side !== 0 && side === run.side
                ? { side, length: run.length + 1 }
                : { side, length: side === 0 ? 0 : 1 };
            const expected = v === null ? Number.NaN : run.length >= breaches ? run.side : 0;
            expect(got[i]).toBe(expected);
            if (expected === 1 || expected === -1) run = { side: 0, length: 0 };
          });
        },
      ),
    );
  });

  it('never proposes below zero', () => {
    expect(steps([1, 1, 1], watermark, 0)).toEqual([0, 0, 0]);
  });
});
