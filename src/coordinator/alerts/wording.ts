import type { MetricType } from '../../store/schema.ts';
import type { AlertEvent, FiringViolation } from './events.ts';

/** The unit a metric's name ends in, as a person writes it. */
function unitOf(metric: MetricType): string {
  return metric.endsWith('_ms') ? 'ms' : '%';
}

/** One decimal is what a person reads; the exact value stays in the JSON. */
export function formatValue(metric: MetricType, value: number): string {
  return `${Math.round(value * 10) / 10} ${unitOf(metric)}`;
}

export function subjectPhrase(x: { node_id: string | null; subject: string }): string {
  if (x.node_id !== null) return `node ${x.node_id}`;
  return x.subject === 'fleet' ? 'the fleet' : x.subject;
}

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/** `1 d 2 h`, `1 h 5 min`, `4 min 10 s`, `12 s`: the two largest units are enough to act on. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const first = DURATION_UNITS.findIndex(([, size]) => rest >= size);
  if (first === -1) return `${rest} ms`;
  const parts: string[] = [];
  for (const [name, size] of DURATION_UNITS.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}`);
  }
  return parts.join(' ');
}

/** `uptime_pct of node n-17 is 80.1 % (threshold 95 %)`, or what is known without a reading. */
export function readingPhrase(x: {
  metric: MetricType;
  node_id: string | null;
  subject: string;
  metric_value: number | null;
  worst_value: number;
  threshold: number;
}): string {
  const threshold = formatValue(x.metric, x.threshold);
  const who = `${x.metric} of ${subjectPhrase(x)}`;
  if (x.metric_value === null) {
    return `${who} breached its threshold of ${threshold} (worst ${formatValue(x.metric, x.worst_value)})`;
  }
  return `${who} is ${formatValue(x.metric, x.metric_value)} (threshold ${threshold})`;
}

/** One line a person can act on, e.g. `[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %) — opened`. */
export function eventLine(event: AlertEvent): string {
  switch (event.kind) {
    case 'violation_opened':
      return `[${event.severity.toUpperCase()}] ${readingPhrase(event)} — opened`;
    case 'violation_escalated':
      return `[${event.severity.toUpperCase()}] ${readingPhrase(event)} — escalated from ${event.previous_severity ?? 'unknown'}`;
    case 'violation_resolved': {
      const after = event.duration_ms === null ? '' : ` after ${formatDuration(event.duration_ms)}`;
      const was = `was ${event.severity}, worst ${formatValue(event.metric, event.worst_value)}`;
      if (event.reason === 'subject_removed') {
        return `[RESOLVED] ${event.metric} of ${subjectPhrase(event)} — resolved${after}: it left the fleet (${was})`;
      }
      return `[RESOLVED] ${readingPhrase(event)} — resolved${after} (${was})`;
    }
  }
}

/** The Alertmanager summary of a violation that is still open. */
export function firingLine(f: FiringViolation): string {
  return `[${f.severity.toUpperCase()}] ${readingPhrase(f)}`;
}
