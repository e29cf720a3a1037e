import type { Behaviour, ScaledTarget } from './types.ts';

/**
 * HPA's default behaviour: up by the larger of 4 replicas and 100 % per 15 s at once, down by
 * up to 100 % per 15 s but only to the highest recommendation of the last 300 s. No cooldown:
 * the scale-down window already keeps a target from flapping.
 */
export const DEFAULT_BEHAVIOUR: Behaviour = Object.freeze({
  scale_up: Object.freeze({ max_step: 4, max_step_pct: 100, period_s: 15, stabilization_s: 0 }),
  scale_down: Object.freeze({ max_step: 0, max_step_pct: 100, period_s: 15, stabilization_s: 300 }),
  cooldown_s: 0,
});

/** HPA's tolerance: no change while the metric is within 10 % of its target. */
export const DEFAULT_TOLERANCE = 0.1;

/** A target with HPA's defaults and the given policies, bounds and pause flag. */
export function scaledTarget(
  policies: ScaledTarget['policies'],
  { min_replicas = 1, max_replicas = 10, paused = false, behaviour = DEFAULT_BEHAVIOUR } = {},
): ScaledTarget {
  return { min_replicas, max_replicas, paused, behaviour, policies };
}
