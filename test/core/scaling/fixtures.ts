import type { Behaviour, Policy } from '../../../src/core/scaling/types.ts';

export const T0 = 1_800_000_000_000;

/** A policy that proposes whatever its metric says: the simplest way to steer a decision. */
export const echo = (name: string, metric = name): Policy => ({
  kind: 'target',
  name,
  metric,
  target: 1,
  metric_type: 'total',
  tolerance: 0,
  max_age_s: 60,
});

/** No windows, no step limits, no cooldown: the decision is the bounded recommendation. */
export const FREE: Behaviour = {
  scale_up: { max_step: 10_000, max_step_pct: 0, period_s: 0, stabilization_s: 0 },
  scale_down: { max_step: 10_000, max_step_pct: 0, period_s: 0, stabilization_s: 0 },
  cooldown_s: 0,
};

/** A reading of `value` taken `age_s` before `now`. */
export const at = (value: number, now = T0, age_s = 0) => ({ value, at: now - age_s * 1000 });
