import { backlogProposal } from './backlog.ts';
import { forecastProposal } from './forecast.ts';
import type { PolicyContext } from './readings.ts';
import { stabilize } from './stabilization.ts';
import { stepLimits } from './steps.ts';
import { targetProposal } from './target.ts';
import type {
  DecideInput,
  Decision,
  Policy,
  Proposal,
  ReasonCode,
  ScaledTarget,
  ScalingState,
  WatermarkState,
} from './types.ts';
import { watermarkProposal } from './watermark.ts';

/**
 * One scaling decision for one target (decision 0066). A pure function of its input: the
 * autoscaler reads the platform and the metrics, calls this, stores `replicas` and `state`,
 * and asks the deployer for the difference. The steps, in HPA's order:
 *
 * 1. Every policy proposes a count, or nothing when its data is missing or stale.
 * 2. Paused: hold the current count (the proposals are still shown).
 * 3. The largest proposal is the recommendation; with none, hold (within the bounds). A
 *    forecast policy's proposal alone only raises: with no other policy proposing, a forecast
 *    below the current count holds it (scale-down is the measuring policies' to ask for).
 * 4. The recommendation is clamped to [min, max] and remembered; the stabilization windows
 *    then hold a scale-down at the highest recommendation within the window.
 * 5. A scale-down within the cooldown after a change holds instead.
 * 6. The step limits of the period, then [min, max] again, bound the result.
 *
 * The current count is the stored desired one (what the platform is converging to), or the
 * running count before the first decision.
 */
export function decide(input: DecideInput): Decision {
  const { now_ms, target } = input;
  const current = input.desired ?? input.actual;
  const ctx: PolicyContext = { now_ms, actual: input.actual, current, readings: input.readings };

  const watermarks: Record<string, WatermarkState> = {};
  const proposals: Proposal[] = target.policies.map((policy) => {
    if (policy.kind !== 'watermark') return propose(policy, ctx);
    const r = watermarkProposal(policy, ctx, input.state.watermarks[policy.name]);
    watermarks[policy.name] = r.state;
    return r.proposal;
  });
  const offered = proposals.flatMap((p) => (p.replicas === null ? [] : [p.replicas]));
  const measured = proposals.filter(
    (p, i) => p.replicas !== null && target.policies[i]?.kind !== 'forecast',
  ).length;
  const largest = offered.length === 0 ? null : Math.max(...offered);
  const recommended = largest !== null && measured === 0 ? Math.max(largest, current) : largest;
  const { min, max } = bounds(target);
  const keep = pruned(input.state, now_ms, target);

  const finish = (replicas: number, reason: ReasonCode, detail: string, recorded?: number): Decision => {
    const recommendations =
      recorded === undefined
        ? keep.recommendations
        : [...keep.recommendations, { at: now_ms, replicas: recorded }];
    const changes =
      replicas === current ? keep.changes : [...keep.changes, { at: now_ms, from: current, to: replicas }];
    return {
      proposals,
      recommended,
      replicas,
      reason,
      detail,
      state: { watermarks, recommendations, changes },
    };
  };

  if (target.paused) return finish(current, 'paused', `paused at ${current}`);

  if (recommended === null) {
    const held = clamp(current, min, max);
    return held === current
      ? finish(current, 'no_data', `no policy has fresh data: holding ${current}`)
      : finish(held, 'bounded', `no policy has fresh data: ${current} brought within [${min}, ${max}]`);
  }

  const within = clamp(recommended, min, max);
  const { scale_up, scale_down } = target.behaviour;
  const stabilized = stabilize(
    keep.recommendations,
    now_ms,
    current,
    within,
    scale_up.stabilization_s,
    scale_down.stabilization_s,
  );

  const last_change = keep.changes.at(-1);
  if (
    stabilized < current &&
    last_change !== undefined &&
    now_ms - last_change.at < target.behaviour.cooldown_s * 1000
  ) {
    // Bounds still apply: a max lowered by the operator is not held off by the cooldown.
    const held = clamp(current, min, max);
    return finish(
      held,
      held === current ? 'cooldown' : 'bounded',
      `${recommended} recommended; no scale-down within ${target.behaviour.cooldown_s} s of the last change`,
      within,
    );
  }

  const limits = stepLimits(keep.changes, now_ms, current, target.behaviour);
  const replicas = clamp(clamp(stabilized, limits.lowest, limits.highest), min, max);
  const arrow = `${current} → ${replicas}`;
  if (replicas !== stabilized) {
    return finish(
      replicas,
      'bounded',
      `${arrow}: ${recommended} recommended, ${limitText(target, limits)}`,
      within,
    );
  }
  if (stabilized !== within) {
    return finish(
      replicas,
      'stabilized',
      `${arrow}: ${recommended} recommended, held by the stabilization window`,
      within,
    );
  }
  if (within !== recommended) {
    return finish(
      replicas,
      'bounded',
      `${arrow}: ${recommended} recommended, bounds [${min}, ${max}]`,
      within,
    );
  }
  const reason: ReasonCode = replicas > current ? 'scale_up' : replicas < current ? 'scale_down' : 'hold';
  return finish(replicas, reason, `${arrow}: ${recommended} recommended`, within);
}

function propose(policy: Exclude<Policy, { kind: 'watermark' }>, ctx: PolicyContext): Proposal {
  switch (policy.kind) {
    case 'target':
      return targetProposal(policy, ctx);
    case 'backlog':
      return backlogProposal(policy, ctx);
    case 'forecast':
      return forecastProposal(policy, ctx);
  }
}

/** A max below min is read as min: the target never goes below what the operator asked for. */
function bounds(target: ScaledTarget): { min: number; max: number } {
  const min = Math.max(0, target.min_replicas);
  return { min, max: Math.max(min, target.max_replicas) };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** The state without what has left every window, so it stays small however long it runs. */
function pruned(state: ScalingState, now_ms: number, target: ScaledTarget): ScalingState {
  const b = target.behaviour;
  const stabilization_ms = Math.max(b.scale_up.stabilization_s, b.scale_down.stabilization_s) * 1000;
  const changes_ms = Math.max(b.scale_up.period_s, b.scale_down.period_s, b.cooldown_s) * 1000;
  return {
    watermarks: state.watermarks,
    recommendations: state.recommendations.filter((r) => r.at > now_ms - stabilization_ms && r.at <= now_ms),
    // The last change is kept whatever its age: the cooldown and the record read it.
    changes: state.changes.filter(
      (c, i, all) => (c.at > now_ms - changes_ms || i === all.length - 1) && c.at <= now_ms,
    ),
  };
}

function limitText(target: ScaledTarget, limits: { lowest: number; highest: number }): string {
  const { min, max } = bounds(target);
  return `bounds [${min}, ${max}], step limits [${limits.lowest}, ${limits.highest}]`;
}
