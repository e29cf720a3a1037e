import type { MetricType } from '../../core/sla/types.ts';

/**
 * How each SLA metric appears in Prometheus: its gauge's name and the factor from Vigil's unit
 * to the exported one. Prometheus wants base units, so response time (milliseconds in Vigil's
 * API and configuration) is exported in seconds; percentages stay percentages, as the names
 * say. The gauges, the threshold gauge and the generated alert rules all read this one table,
 * so a rule can never compare seconds with a threshold in milliseconds.
 */
export interface ExportedSlaMetric {
  name: string;
  /** Multiply a value in Vigil's unit by this to get the exported value. */
  scale: number;
  /** Per node (a `node_id` label) or one figure for the fleet. */
  perNode: boolean;
}

export const EXPORTED_SLA_METRICS: Record<MetricType, ExportedSlaMetric> = {
  uptime_pct: { name: 'vigil_sla_uptime_pct', scale: 1, perNode: true },
  response_time_ms: { name: 'vigil_sla_response_time_seconds', scale: 0.001, perNode: true },
  completion_rate_pct: { name: 'vigil_sla_completion_rate_pct', scale: 1, perNode: true },
  capacity_availability_pct: { name: 'vigil_sla_capacity_availability_pct', scale: 1, perNode: false },
};

/**
 * A value in Vigil's unit as exported. Rounded to 12 significant digits so that 0.9 × 95 or
 * 1000 × 0.001 print as 85.5 and 1, not as a binary fraction's long tail.
 */
export function exportedValue(metric: MetricType, value: number): number {
  return Number((value * EXPORTED_SLA_METRICS[metric].scale).toPrecision(12));
}
