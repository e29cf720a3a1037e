import type { VigilConfig } from '../../config/schema.ts';
import { DIRECTIONS, METRIC_TYPES } from '../../core/sla/rules.ts';
import type { MetricType, Severity } from '../../core/sla/types.ts';
import { EXPORTED_SLA_METRICS, exportedValue } from '../sla/exported.ts';

/** What the rules are made of: the SLA engine's thresholds, bands and pace. */
export type RuleSource = Pick<
  VigilConfig['sla'],
  'thresholds' | 'severities' | 'collection_interval_s' | 'response_time_percentile'
>;

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity; service: 'vigil' };
  annotations: { summary: string; description: string };
}

export interface RuleFile {
  groups: Array<{ name: string; rules: AlertingRule[] }>;
}

/** How long a breach must last, in collections: one bad reading pages no one (decision 0058). */
export const NODE_FOR_COLLECTIONS = 2;
/** Busy periods come and go: a fleet-wide shortage must outlast three collections. */
export const CAPACITY_FOR_COLLECTIONS = 3;
/** The violation counter moves once per collection; its rate is taken over whole collections. */
export const RATE_WINDOW_COLLECTIONS = 3;
/** The pool hub guide's 0.1 per second at 300 s collections: 30 new violations in one collection. */
export const FLEET_WIDE_VIOLATIONS_PER_COLLECTION = 30;

interface Wording {
  alert: string;
  /** The figure in a sentence: "uptime", "p95 response time". */
  what: string;
  /** How a value is printed in an annotation (a Prometheus template pipeline). */
  format: string;
  /** How a bound is printed. */
  unit: (bound: number) => string;
}

const pct = (bound: number) => `${bound} %`;
const wording = (source: RuleSource): Record<MetricType, Wording> => ({
  uptime_pct: { alert: 'LowNodeUptime', what: 'uptime', format: 'printf "%.1f %%"', unit: pct },
  response_time_ms: {
    alert: 'HighResponseTime',
    what: `p${source.response_time_percentile} response time`,
    format: 'humanizeDuration',
    unit: (bound) => `${bound} s`,
  },
  completion_rate_pct: {
    alert: 'LowCompletionRate',
    what: 'job completion rate',
    format: 'printf "%.1f %%"',
    unit: pct,
  },
  capacity_availability_pct: {
    alert: 'LowCapacityAvailability',
    what: 'available capacity',
    format: 'printf "%.1f %%"',
    unit: pct,
  },
});

/** A Prometheus duration: whole hours, minutes or seconds. */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function spoken(seconds: number): string {
  const [n, unit] =
    seconds % 3600 === 0
      ? [seconds / 3600, 'hour']
      : seconds % 60 === 0
        ? [seconds / 60, 'minute']
        : [seconds, 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * One rule per severity band of a metric, most severe first, so each alert carries the
 * severity Vigil's own classifier gives the reading. A band's alert stands down while a more
 * severe one of the same alert fires for the same node: one alert per node and metric at a
 * time, as Vigil keeps one violation, and the less severe one keeps firing until the more
 * severe one takes over (no gap while it is pending).
 */
function bandRules(metric: MetricType, source: RuleSource): AlertingRule[] {
  const { name, perNode } = EXPORTED_SLA_METRICS[metric];
  const words = wording(source)[metric];
  const below = DIRECTIONS[metric] === 'min';
  const op = below ? '<' : '>';
  const forS = source.collection_interval_s * (perNode ? NODE_FOR_COLLECTIONS : CAPACITY_FOR_COLLECTIONS);
  const match = perNode ? 'on (node_id)' : 'on ()';
  const subject = perNode ? 'node {{ $labels.node_id }}' : 'the fleet';
  const bands = source.severities[metric];
  return bands.map((band, i) => {
    const bound = exportedValue(metric, band.factor * source.thresholds[metric]);
    const worse = bands.slice(0, i).map((b) => b.severity);
    const breach = `${name} ${op} ${bound}`;
    const expr =
      worse.length === 0
        ? breach
        : `${breach} unless ${match} ALERTS{alertname="${words.alert}", alertstate="firing", severity=~"${worse.join('|')}"}`;
    const side = below ? 'below' : 'above';
    return {
      alert: words.alert,
      expr,
      for: promDuration(forS),
      labels: { severity: band.severity, service: 'vigil' },
      annotations: {
        summary: `${perNode ? 'Node {{ $labels.node_id }}' : 'Fleet'}: ${words.what} ${side} ${words.unit(bound)} (${band.severity})`,
        description: `The ${words.what} of ${subject} is {{ $value | ${words.format} }}, ${side} the ${band.severity} bound of ${words.unit(bound)}, for more than ${spoken(forS)}.`,
      },
    };
  });
}

function violationRateRule(source: RuleSource): AlertingRule {
  const c = source.collection_interval_s;
  const perSecond = Number((FLEET_WIDE_VIOLATIONS_PER_COLLECTION / c).toPrecision(12));
  const window = promDuration(c * RATE_WINDOW_COLLECTIONS);
  return {
    alert: 'HighSLAViolationRate',
    expr: `sum(rate(vigil_sla_violations_total[${window}])) > ${perSecond}`,
    for: promDuration(c),
    labels: { severity: 'critical', service: 'vigil' },
    annotations: {
      summary: 'High SLA violation rate',
      description: `Vigil is opening {{ $value | humanize }} SLA violations per second (over ${spoken(c * RATE_WINDOW_COLLECTIONS)}), above ${perSecond}: ${FLEET_WIDE_VIOLATIONS_PER_COLLECTION} in one collection, many nodes breaching at once.`,
    },
  };
}

/** Vigil's alerting rules for Prometheus, from the effective SLA configuration. */
export function prometheusRules(source: RuleSource): RuleFile {
  const rules = [violationRateRule(source), ...METRIC_TYPES.flatMap((metric) => bandRules(metric, source))];
  return { groups: [{ name: 'vigil_sla', rules }] };
}
