import { freshReading, type PolicyContext } from './readings.ts';
import type { Proposal, TargetPolicy } from './types.ts';

/**
 * The HPA formula, desired = ceil(replicas × metric / target), with its tolerance: while the
 * ratio is within `tolerance` of 1 the policy proposes the current count, so noise around the
 * target does not move it. The ratio is taken over the running replicas (they produced the
 * metric), but the proposal never points against the ratio's direction: a metric above target
 * proposes at least the current count, so replicas still starting are not counted as surplus
 * (HPA does the same by treating unready pods conservatively). With no running replicas a
 * per-replica metric says nothing, and the policy proposes nothing.
 */
export function targetProposal(policy: TargetPolicy, ctx: PolicyContext): Proposal {
  const fresh = freshReading(ctx.readings, policy.metric, ctx.now_ms, policy.max_age_s);
  if (!fresh.ok) return { policy: policy.name, replicas: null, reason: fresh.why };
  if (!(policy.target > 0)) return { policy: policy.name, replicas: null, reason: 'target is not positive' };
  const value = Math.max(0, fresh.reading.value);
  if (policy.metric_type === 'per_replica' && ctx.actual === 0) {
    return {
      policy: policy.name,
      replicas: null,
      reason: `${policy.metric}: no running replicas to average`,
    };
  }
  if (policy.metric_type === 'total' && ctx.actual === 0) {
    // KEDA's activation: from zero, any work asks for one replica per target's worth.
    const replicas = Math.ceil(value / policy.target);
    return { policy: policy.name, replicas, reason: `${policy.metric} ${value} over 0 replicas` };
  }
  const per_replica = policy.metric_type === 'total' ? value / ctx.actual : value;
  const ratio = per_replica / policy.target;
  const shown = `${policy.metric} ${round(per_replica)} per replica, target ${policy.target}`;
  // The epsilon keeps a metric set exactly at the edge (0.66 against 0.6) within, as written.
  if (Math.abs(ratio - 1) <= policy.tolerance + 1e-9) {
    return { policy: policy.name, replicas: ctx.current, reason: `${shown}: within tolerance` };
  }
  // A small epsilon keeps 3 × 1.1 / 1.1 from becoming ceil(3.0000000000000004) = 4.
  const raw = Math.max(0, Math.ceil(ctx.actual * ratio - 1e-9));
  const replicas = ratio > 1 ? Math.max(raw, ctx.current) : Math.min(raw, ctx.current);
  return { policy: policy.name, replicas, reason: `${shown}: ratio ${round(ratio)}` };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
