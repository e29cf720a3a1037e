import type { ScaledTargetConfig } from '../config/autoscaler-schema.ts';
import type { Behaviour, ForecastLevel, Policy, ScaledTarget } from '../core/scaling/types.ts';

/** The readings a topic's pool gives the backlog policy (autoscaler/sources/topic.ts). */
export const TOPIC_READINGS = {
  backlog: 'topic.backlog',
  arrival_rate_per_s: 'topic.arrival_per_s',
  throughput_per_replica_per_s: 'topic.per_replica_per_s',
} as const;

/**
 * The reading a forecast policy sizes by: the topic's forecast demand in slots, the peak at
 * `level` over the next `lead_s` (`forecast.upper80.next_10s`). Policies that look alike share it.
 */
export function forecastReadingName(level: ForecastLevel, lead_s: number): string {
  return `forecast.${level}.next_${lead_s}s`;
}

/** A measured throughput stays good this long: it is a property of the service, not of the moment. */
export const THROUGHPUT_MAX_AGE_S = 3_600;

/** The wait aimed for when neither the policy nor the topic names a deadline. */
export const DEFAULT_DEADLINE_S = 60;

export interface EffectiveBounds {
  paused: boolean;
  min_replicas: number;
  max_replicas: number;
}

/**
 * The configuration of one target as core's scaling model: bounds and pause as they act now
 * (an operator's changes over the configuration), policies named by kind (`backlog`, or
 * `target-2` for a second of a kind), readings older than `staleAfterS` refused.
 */
export function scaledTargetFor(
  config: ScaledTargetConfig,
  bounds: EffectiveBounds,
  { topicDeadlineS, staleAfterS }: { topicDeadlineS: number | null; staleAfterS: number },
): ScaledTarget {
  const seen = new Map<string, number>();
  const policies = config.policies.map((policy): Policy => {
    const n = (seen.get(policy.kind) ?? 0) + 1;
    seen.set(policy.kind, n);
    const name = n === 1 ? policy.kind : `${policy.kind}-${n}`;
    if (policy.kind === 'forecast') {
      return {
        kind: 'forecast',
        name,
        metric: forecastReadingName(policy.level, policy.lead_s),
        level: policy.level,
        lead_s: policy.lead_s,
        slots_per_replica: policy.slots_per_replica ?? config.concurrency,
        target_utilization: policy.target_utilization,
        max_age_s: staleAfterS,
      };
    }
    if (policy.kind !== 'backlog') return { ...policy, name, max_age_s: staleAfterS };
    return {
      kind: 'backlog',
      name,
      ...TOPIC_READINGS,
      deadline_s: policy.deadline_s ?? topicDeadlineS ?? DEFAULT_DEADLINE_S,
      startup_s: policy.startup_s,
      headroom: policy.headroom,
      max_age_s: staleAfterS,
      throughput_max_age_s: THROUGHPUT_MAX_AGE_S,
    };
  });
  const behaviour: Behaviour = {
    scale_up: config.scale_up,
    scale_down: config.scale_down,
    cooldown_s: config.cooldown_s,
  };
  return { ...bounds, behaviour, policies };
}
