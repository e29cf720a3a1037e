import { freshReading, type PolicyContext } from './readings.ts';
import type { BacklogPolicy, Proposal } from './types.ts';

/** The backlog formula's parts, for tests and the decision's reason. */
export interface BacklogSizing {
  /** Replicas that keep up with arrivals: λ / μ. */
  keep_up: number;
  /** Replicas that drain the backlog within its budget, counting start-up: see below. */
  drain: number;
  /** Seconds the backlog has to drain: the deadline less one service time, at least half the deadline. */
  budget_s: number;
  /** max(keep_up, drain) × (1 + headroom), rounded up. */
  replicas: number;
}

/**
 * Replicas needed so that a FIFO queue meets its deadline (decision 0066).
 *
 * With `n` replicas each finishing μ jobs per second, the last of `B` queued jobs finishes
 * after B / (n μ) plus its own service time 1 / μ, so the backlog drains in time when
 * n ≥ B / (μ T), with T = deadline − 1 / μ (but at least half the deadline), and never more
 * replicas than jobs. Jobs arriving meanwhile queue behind the backlog
 * and wait no longer than it did as long as n μ ≥ λ, so the two needs combine by max, not by
 * sum: adding them would size a per-block burst twice (once as backlog, once as its share of
 * the arrival rate).
 *
 * Replicas asked for now serve only after the start-up time S, so with `r` running the drain
 * condition is r μ T + (n − r) μ (T − S) ≥ B. When T − S is under half the budget it is taken
 * as T / 2: replicas that arrive too late for this backlog would otherwise be bought by the
 * dozen to serve a tiny window, and they mostly serve the next backlog, which the keep-up
 * term sizes. The headroom covers the noise of the measured μ and λ and the arrivals between
 * two ticks.
 */
export function backlogSizing(
  backlog: number,
  arrival_rate_per_s: number,
  throughput_per_replica_per_s: number,
  running: number,
  policy: Pick<BacklogPolicy, 'deadline_s' | 'startup_s' | 'headroom'>,
): BacklogSizing {
  const mu = throughput_per_replica_per_s;
  const B = Math.max(0, backlog);
  const keep_up = Math.max(0, arrival_rate_per_s) / mu;
  // Below half the deadline the budget stops shrinking: a service time near the deadline
  // leaves no time to queue at all, and the cap below then gives each job its own replica.
  const budget_s = Math.max(policy.deadline_s - 1 / mu, policy.deadline_s / 2);
  const served_by_running = running * mu * budget_s;
  let drain: number;
  if (B <= served_by_running) {
    drain = B / (mu * budget_s);
  } else {
    const late_window_s = Math.max(budget_s - policy.startup_s, budget_s / 2);
    drain = running + (B - served_by_running) / (mu * late_window_s);
  }
  // More replicas than jobs cannot finish them sooner.
  drain = Math.min(drain, B);
  // The epsilon keeps a need of exactly 3 from becoming 4 through floating-point dust.
  const replicas = Math.max(
    0,
    Math.ceil(Math.max(keep_up, drain) * (1 + Math.max(0, policy.headroom)) - 1e-9),
  );
  return { keep_up, drain, budget_s, replicas };
}

/** The backlog policy: nothing when any of its three readings is missing or stale. */
export function backlogProposal(policy: BacklogPolicy, ctx: PolicyContext): Proposal {
  const backlog = freshReading(ctx.readings, policy.backlog, ctx.now_ms, policy.max_age_s);
  if (!backlog.ok) return { policy: policy.name, replicas: null, reason: backlog.why };
  const rate = freshReading(ctx.readings, policy.arrival_rate_per_s, ctx.now_ms, policy.max_age_s);
  if (!rate.ok) return { policy: policy.name, replicas: null, reason: rate.why };
  const mu = freshReading(
    ctx.readings,
    policy.throughput_per_replica_per_s,
    ctx.now_ms,
    policy.throughput_max_age_s,
  );
  if (!mu.ok) return { policy: policy.name, replicas: null, reason: mu.why };
  if (!(mu.reading.value > 0)) {
    return {
      policy: policy.name,
      replicas: null,
      reason: `${policy.throughput_per_replica_per_s}: not positive`,
    };
  }
  const s = backlogSizing(backlog.reading.value, rate.reading.value, mu.reading.value, ctx.actual, policy);
  // A throughput near zero (a denormal, a replica that never finishes) sizes nothing usable.
  if (!Number.isFinite(s.replicas)) {
    return {
      policy: policy.name,
      replicas: null,
      reason: `${policy.throughput_per_replica_per_s}: too small to size by`,
    };
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    policy: policy.name,
    replicas: s.replicas,
    reason:
      `backlog ${backlog.reading.value}, ${r(rate.reading.value)}/s in, ${r(mu.reading.value)}/s per replica: ` +
      `keep up ${r(s.keep_up)}, drain in ${r(s.budget_s)} s ${r(s.drain)}, headroom ${policy.headroom}`,
  };
}
