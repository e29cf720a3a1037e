import type { OpenViolation, Transition } from '../../core/sla/violations.ts';
import type { MetricType, Severity } from '../../store/schema.ts';

export type AlertEventKind = 'violation_opened' | 'violation_escalated' | 'violation_resolved';
export type ResolutionReason = 'recovered' | 'subject_removed';

/** One change in a violation's life, as receivers see it (snake_case JSON). */
export interface AlertEvent {
  kind: AlertEventKind;
  violation_id: string;
  /** Null for fleet-wide metrics (capacity availability). */
  node_id: string | null;
  /** The node id, or `fleet`. */
  subject: string;
  metric: MetricType;
  /** The severity now; for a resolved violation, the worst it reached. */
  severity: Severity;
  /** Escalations only: the severity before. */
  previous_severity: Severity | null;
  /** The reading that caused the event; null when a subject left the fleet. */
  metric_value: number | null;
  worst_value: number;
  threshold: number;
  /** When the collection that produced the event ran (epoch ms). */
  at: number;
  started_at: number;
  resolved_at: number | null;
  duration_ms: number | null;
  reason: ResolutionReason | null;
}

/** A violation still open after a collection: what Alertmanager must keep hearing about. */
export interface FiringViolation {
  violation_id: string;
  node_id: string | null;
  subject: string;
  metric: MetricType;
  severity: Severity;
  /** This collection's reading; null when the collection had no data for it. */
  metric_value: number | null;
  worst_value: number;
  threshold: number;
  started_at: number;
}

/**
 * A transition together with the id of the violation row it touched, as the store's
 * `applyTransitions` returns it. This is how a newly opened violation's id reaches the
 * alerts: the engine inserts the row first (choosing its uuidv7) and hands over the pair,
 * so events can never name a violation that is not in the same transaction.
 */
export interface TransitionWithId {
  transition: Transition;
  violationId: string;
}

/** What one collection hands to the outbox. */
export interface CollectionAlerts {
  events: AlertEvent[];
  firing: FiringViolation[];
}

/**
 * The alert events of one collection's transitions, in their order. A `continued`
 * transition is no news and produces none.
 */
export function eventsFromTransitions(applied: readonly TransitionWithId[], now: number): AlertEvent[] {
  const events: AlertEvent[] = [];
  for (const { transition: t, violationId } of applied) {
    switch (t.kind) {
      case 'opened': {
        const e = t.evaluation;
        const value = e.value as number;
        events.push({
          kind: 'violation_opened',
          violation_id: violationId,
          node_id: e.nodeId,
          subject: e.subject,
          metric: e.metric,
          severity: t.severity,
          previous_severity: null,
          metric_value: value,
          worst_value: value,
          threshold: e.threshold,
          at: now,
          started_at: now,
          resolved_at: null,
          duration_ms: null,
          reason: null,
        });
        break;
      }
      case 'escalated': {
        const value = t.evaluation.value as number;
        events.push({
          ...fromViolation(t.violation, violationId, now),
          kind: 'violation_escalated',
          severity: t.to,
          previous_severity: t.from,
          metric_value: value,
          // An escalation is by definition the worst reading so far (the store records the same).
          worst_value: value,
          threshold: t.evaluation.threshold,
        });
        break;
      }
      case 'resolved':
        events.push({
          ...fromViolation(t.violation, violationId, now),
          kind: 'violation_resolved',
          metric_value: t.evaluation?.value ?? null,
          threshold: t.evaluation?.threshold ?? t.violation.threshold,
          resolved_at: now,
          duration_ms: t.durationMs,
          reason: t.reason,
        });
        break;
      case 'continued':
        break;
    }
  }
  return events;
}

function fromViolation(v: OpenViolation, violationId: string, now: number): Omit<AlertEvent, 'kind'> {
  return {
    violation_id: violationId,
    node_id: v.nodeId,
    subject: v.subject,
    metric: v.metric,
    severity: v.severity,
    previous_severity: null,
    metric_value: null,
    worst_value: v.worstValue,
    threshold: v.threshold,
    at: now,
    started_at: v.createdAt,
    resolved_at: null,
    duration_ms: null,
    reason: null,
  };
}

/**
 * The violations open after a collection: those open before it, less the resolved, with
 * escalations and new readings applied, plus the newly opened. A violation the collection
 * had no data for has no transition and stays firing as it was.
 */
export function firingAfter(
  openBefore: readonly OpenViolation[],
  applied: readonly TransitionWithId[],
  now: number,
): FiringViolation[] {
  const firing = new Map<string, FiringViolation>();
  for (const v of openBefore) {
    firing.set(v.id, {
      violation_id: v.id,
      node_id: v.nodeId,
      subject: v.subject,
      metric: v.metric,
      severity: v.severity,
      metric_value: null,
      worst_value: v.worstValue,
      threshold: v.threshold,
      started_at: v.createdAt,
    });
  }
  for (const { transition: t, violationId } of applied) {
    const current = firing.get(violationId);
    switch (t.kind) {
      case 'opened': {
        const e = t.evaluation;
        firing.set(violationId, {
          violation_id: violationId,
          node_id: e.nodeId,
          subject: e.subject,
          metric: e.metric,
          severity: t.severity,
          metric_value: e.value,
          worst_value: e.value as number,
          threshold: e.threshold,
          started_at: now,
        });
        break;
      }
      case 'escalated':
        if (current !== undefined) {
          const value = t.evaluation.value as number;
          firing.set(violationId, { ...current, severity: t.to, metric_value: value, worst_value: value });
        }
        break;
      case 'continued':
        if (current !== undefined) {
          firing.set(violationId, {
            ...current,
            metric_value: t.evaluation.value,
            worst_value: t.worstValue,
          });
        }
        break;
      case 'resolved':
        firing.delete(violationId);
        break;
    }
  }
  return [...firing.values()];
}

/**
 * Everything the outbox needs from one collection, in one call:
 * `enqueueAlerts(trx, alertsForCollection(openBefore, applied, now), { now, config })`.
 */
export function alertsForCollection(
  openBefore: readonly OpenViolation[],
  applied: readonly TransitionWithId[],
  now: number,
): CollectionAlerts {
  return { events: eventsFromTransitions(applied, now), firing: firingAfter(openBefore, applied, now) };
}
