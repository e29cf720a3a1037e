import { mean, percentile } from './percentile.ts';
import { classify, type MetricRules } from './rules.ts';
import type { MetricType } from './types.ts';
import type { Evaluation } from './violations.ts';

export interface NodeReadings {
  uptime: { uptimePct: number | null; slicesUp: number; slicesTotal: number };
  /** The node's recent outcome durations (ms). */
  durations: readonly number[];
  completion: { successes: number; failures: number } | undefined;
}

export interface MetricReading {
  evaluation: Evaluation;
  /** What an operator needs to trust the number: sample sizes, the mean beside a percentile. */
  metadata: Record<string, unknown>;
}

function reading(
  subject: string,
  nodeId: string | null,
  metric: MetricType,
  value: number | null,
  rules: MetricRules,
  metadata: Record<string, unknown>,
): MetricReading {
  const rule = rules[metric];
  return {
    evaluation: {
      subject,
      nodeId,
      metric,
      direction: rule.direction,
      value,
      threshold: rule.threshold,
      severity: classify(value, rule),
    },
    metadata,
  };
}

/** A node's three per-node SLA metrics from what the store holds about it. */
export function evaluateNode(
  nodeId: string,
  r: NodeReadings,
  rules: MetricRules,
  responsePercentile: number,
): MetricReading[] {
  const durations = r.durations;
  const outcomes = (r.completion?.successes ?? 0) + (r.completion?.failures ?? 0);
  return [
    reading(nodeId, nodeId, 'uptime_pct', r.uptime.uptimePct, rules, {
      slices_up: r.uptime.slicesUp,
      slices_total: r.uptime.slicesTotal,
    }),
    reading(nodeId, nodeId, 'response_time_ms', percentile(durations, responsePercentile), rules, {
      percentile: responsePercentile,
      mean_ms: mean(durations),
      samples: durations.length,
    }),
    reading(
      nodeId,
      nodeId,
      'completion_rate_pct',
      outcomes === 0 ? null : (100 * (r.completion?.successes ?? 0)) / outcomes,
      rules,
      { successes: r.completion?.successes ?? 0, failures: r.completion?.failures ?? 0 },
    ),
  ];
}

export const FLEET_SUBJECT = 'fleet';

export function evaluateFleetCapacity(
  availabilityPct: number | null,
  rules: MetricRules,
  metadata: Record<string, unknown>,
): MetricReading {
  return reading(FLEET_SUBJECT, null, 'capacity_availability_pct', availabilityPct, rules, metadata);
}
