import type { AlertEvent, FiringViolation } from '../../../src/coordinator/alerts/events.ts';
import type { Evaluation, OpenViolation } from '../../../src/core/sla/violations.ts';

export const T0 = Date.UTC(2026, 3, 22, 15, 0, 0);

export function uptimeEvaluation(
  nodeId: string,
  value: number | null,
  severity: Evaluation['severity'],
): Evaluation {
  return { subject: nodeId, nodeId, metric: 'uptime_pct', direction: 'min', value, threshold: 95, severity };
}

export function openUptime(nodeId: string, id: string, over: Partial<OpenViolation> = {}): OpenViolation {
  return {
    id,
    subject: nodeId,
    nodeId,
    metric: 'uptime_pct',
    severity: 'high',
    worstValue: 93,
    threshold: 95,
    createdAt: T0 - 3_900_000,
    ...over,
  };
}

export function openedEvent(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    kind: 'violation_opened',
    violation_id: '0196-opened',
    node_id: 'n-17',
    subject: 'n-17',
    metric: 'uptime_pct',
    severity: 'critical',
    previous_severity: null,
    metric_value: 80.12,
    worst_value: 80.12,
    threshold: 95,
    at: T0,
    started_at: T0,
    resolved_at: null,
    duration_ms: null,
    reason: null,
    ...over,
  };
}

export function resolvedEvent(over: Partial<AlertEvent> = {}): AlertEvent {
  return openedEvent({
    kind: 'violation_resolved',
    violation_id: '0196-resolved',
    node_id: 'n-3',
    subject: 'n-3',
    severity: 'high',
    metric_value: 96.2,
    worst_value: 93,
    started_at: T0 - 3_900_000,
    resolved_at: T0,
    duration_ms: 3_900_000,
    reason: 'recovered',
    ...over,
  });
}

export function firing(over: Partial<FiringViolation> = {}): FiringViolation {
  return {
    violation_id: '0196-firing',
    node_id: 'n-17',
    subject: 'n-17',
    metric: 'uptime_pct',
    severity: 'critical',
    metric_value: 80.12,
    worst_value: 80.12,
    threshold: 95,
    started_at: T0,
    ...over,
  };
}
