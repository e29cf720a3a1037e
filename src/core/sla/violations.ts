import { type Direction, isWorse, severityRank } from './rules.ts';
import type { MetricType, Severity } from './types.ts';

/** What one collection measured for one subject (a node, or the fleet) and one metric. */
export interface Evaluation {
  subject: string;
  nodeId: string | null;
  metric: MetricType;
  direction: Direction;
  /** Null: no data in the window. */
  value: number | null;
  threshold: number;
  severity: Severity | null;
}

export interface OpenViolation {
  id: string;
  subject: string;
  nodeId: string | null;
  metric: MetricType;
  severity: Severity;
  worstValue: number;
  threshold: number;
  createdAt: number;
}

export type Transition =
  | { kind: 'opened'; evaluation: Evaluation; severity: Severity }
  | { kind: 'escalated'; violation: OpenViolation; evaluation: Evaluation; from: Severity; to: Severity }
  | { kind: 'continued'; violation: OpenViolation; evaluation: Evaluation; worstValue: number }
  | {
      kind: 'resolved';
      violation: OpenViolation;
      /** The reading that ended it; null when its subject left the fleet. */
      evaluation: Evaluation | null;
      durationMs: number;
      reason: 'recovered' | 'subject_removed';
    };

const key = (subject: string, metric: MetricType) => `${subject}\u0000${metric}`;

/**
 * The violation state machine, for one collection. A breach opens exactly one violation
 * per subject and metric; while the breach lasts it continues (and escalates, never
 * de-escalates: severity is the worst reached); a reading within threshold resolves it
 * with its duration. No data changes nothing: the breach neither ended nor got worse
 * as far as anyone knows. A subject no longer evaluated (a removed node) is resolved.
 */
export function planTransitions(
  open: readonly OpenViolation[],
  evaluations: readonly Evaluation[],
  now: number,
): Transition[] {
  const openByKey = new Map(open.map((v) => [key(v.subject, v.metric), v]));
  const seen = new Set<string>();
  const transitions: Transition[] = [];

  for (const evaluation of evaluations) {
    const k = key(evaluation.subject, evaluation.metric);
    seen.add(k);
    const current = openByKey.get(k);
    if (evaluation.value === null) continue;
    if (current === undefined) {
      if (evaluation.severity !== null) {
        transitions.push({ kind: 'opened', evaluation, severity: evaluation.severity });
      }
      continue;
    }
    if (evaluation.severity === null) {
      transitions.push({
        kind: 'resolved',
        violation: current,
        evaluation,
        durationMs: Math.max(0, now - current.createdAt),
        reason: 'recovered',
      });
      continue;
    }
    if (severityRank(evaluation.severity) > severityRank(current.severity)) {
      transitions.push({
        kind: 'escalated',
        violation: current,
        evaluation,
        from: current.severity,
        to: evaluation.severity,
      });
      continue;
    }
    const worstValue = isWorse(evaluation.direction, evaluation.value, current.worstValue)
      ? evaluation.value
      : current.worstValue;
    transitions.push({ kind: 'continued', violation: current, evaluation, worstValue });
  }

  for (const [k, violation] of openByKey) {
    if (seen.has(k)) continue;
    transitions.push({
      kind: 'resolved',
      violation,
      evaluation: null,
      durationMs: Math.max(0, now - violation.createdAt),
      reason: 'subject_removed',
    });
  }
  return transitions;
}
