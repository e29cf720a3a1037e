import type { MetricType, Severity } from './types.ts';

export const METRIC_TYPES: readonly MetricType[] = [
  'uptime_pct',
  'response_time_ms',
  'completion_rate_pct',
  'capacity_availability_pct',
];

/** `min`: the metric breaches when it falls below a bound; `max`: when it rises above one. */
export type Direction = 'min' | 'max';

export interface SeverityBand {
  severity: Severity;
  /** The band's bound is `factor × threshold`. */
  factor: number;
}

export interface MetricRule {
  direction: Direction;
  threshold: number;
  /** Most severe first; the first band the value is beyond wins. */
  bands: readonly SeverityBand[];
}

export type MetricRules = Record<MetricType, MetricRule>;

export const DIRECTIONS: Record<MetricType, Direction> = {
  uptime_pct: 'min',
  response_time_ms: 'max',
  completion_rate_pct: 'min',
  capacity_availability_pct: 'min',
};

/** The pool hub guide's defaults: thresholds and the bands it derives from them. */
export const DEFAULT_BANDS: Record<MetricType, readonly SeverityBand[]> = {
  uptime_pct: [
    { severity: 'critical', factor: 0.9 },
    { severity: 'high', factor: 1 },
  ],
  response_time_ms: [
    { severity: 'critical', factor: 2 },
    { severity: 'high', factor: 1 },
  ],
  completion_rate_pct: [{ severity: 'critical', factor: 1 }],
  capacity_availability_pct: [{ severity: 'high', factor: 1 }],
};

const RANK: Record<Severity, number> = { high: 1, critical: 2 };

export function severityRank(severity: Severity | null): number {
  return severity === null ? 0 : RANK[severity];
}

/** The severity of a measured value, or null when it is within its threshold (or there is no data). */
export function classify(value: number | null, rule: MetricRule): Severity | null {
  if (value === null) return null;
  for (const band of rule.bands) {
    const bound = band.factor * rule.threshold;
    if (rule.direction === 'min' ? value < bound : value > bound) return band.severity;
  }
  return null;
}

/** Whether `a` is a worse reading than `b` for a metric of this direction. */
export function isWorse(direction: Direction, a: number, b: number): boolean {
  return direction === 'min' ? a < b : a > b;
}

export interface RuleSettings {
  thresholds: Record<MetricType, number>;
  severities: Record<MetricType, readonly SeverityBand[]>;
}

/** The rules a configuration describes: its thresholds and bands, with each metric's fixed direction. */
export function rulesFromSettings({ thresholds, severities }: RuleSettings): MetricRules {
  const rules = {} as Record<MetricType, MetricRule>;
  for (const metric of METRIC_TYPES) {
    rules[metric] = {
      direction: DIRECTIONS[metric],
      threshold: thresholds[metric],
      bands: severities[metric],
    };
  }
  return rules;
}
