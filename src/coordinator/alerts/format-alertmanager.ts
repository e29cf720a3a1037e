import type { AlertEvent, CollectionAlerts, FiringViolation } from './events.ts';
import { eventLine, firingLine, formatDuration, formatValue } from './wording.ts';

/** One element of the body of `POST /api/v2/alerts` (Alertmanager's postableAlert). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export const ALERT_NAME = 'VigilSlaViolation';

export interface AlertmanagerFormatOptions {
  now: number;
  /**
   * How long a firing alert stays firing in Alertmanager if it is not sent again. Without
   * an end Alertmanager applies its resolve_timeout (5 min by default), no longer than a
   * collection interval, so open violations would flap; Prometheus sends 4 evaluation
   * intervals for the same reason.
   */
  firingTtlMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The label set that identifies an alert in Alertmanager: one per subject, metric and severity. */
function labelsOf(x: { metric: string; node_id: string | null; subject: string }, severity: string) {
  const who: Record<string, string> = x.node_id === null ? { subject: x.subject } : { node_id: x.node_id };
  return { alertname: ALERT_NAME, metric: x.metric, severity, ...who, service: 'vigil' };
}

/** A stable key for a label set, the way Alertmanager tells alerts apart. */
export function alertKey(alert: Pick<AlertmanagerAlert, 'labels'>): string {
  return JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function firingAlert(f: FiringViolation, { now, firingTtlMs }: AlertmanagerFormatOptions): AlertmanagerAlert {
  const since = `open since ${iso(f.started_at)} (${formatDuration(now - f.started_at)})`;
  return {
    labels: labelsOf(f, f.severity),
    annotations: {
      summary: firingLine(f),
      description: `SLA violation ${f.violation_id} ${since}; worst ${formatValue(f.metric, f.worst_value)} against a threshold of ${formatValue(f.metric, f.threshold)}.`,
      violation_id: f.violation_id,
    },
    startsAt: iso(f.started_at),
    endsAt: iso(now + firingTtlMs),
  };
}

function resolvedAlert(e: AlertEvent): AlertmanagerAlert {
  return {
    labels: labelsOf(e, e.severity),
    annotations: {
      summary: eventLine(e),
      description: `SLA violation ${e.violation_id} resolved (${e.reason ?? 'recovered'}) after ${formatDuration(e.duration_ms ?? 0)}.`,
      violation_id: e.violation_id,
    },
    startsAt: iso(e.started_at),
    endsAt: iso(e.resolved_at ?? e.at),
  };
}

/**
 * An escalation changes the severity label, which makes a new alert in Alertmanager's eyes;
 * ending the old one now keeps it from lingering as a second, milder alert until it times out.
 */
function supersededAlert(e: AlertEvent): AlertmanagerAlert {
  return {
    labels: labelsOf(e, e.previous_severity ?? e.severity),
    annotations: {
      summary: eventLine(e),
      description: `SLA violation ${e.violation_id} escalated from ${e.previous_severity ?? 'a lower severity'} to ${e.severity}.`,
      violation_id: e.violation_id,
    },
    startsAt: iso(e.started_at),
    endsAt: iso(e.at),
  };
}

/**
 * The Alertmanager body for one collection. Alertmanager resolves what is not re-sent, so
 * every open violation is sent as firing each time, and those resolved (or escalated past
 * their old severity) in this collection are sent once more with their end.
 */
export function formatAlertmanager(
  { events, firing }: CollectionAlerts,
  options: AlertmanagerFormatOptions,
): AlertmanagerAlert[] {
  const alerts = firing.map((f) => firingAlert(f, options));
  const firingKeys = new Set(alerts.map(alertKey));
  for (const e of events) {
    const ended =
      e.kind === 'violation_resolved'
        ? resolvedAlert(e)
        : e.kind === 'violation_escalated'
          ? supersededAlert(e)
          : null;
    // A label set that fires again in the same collection must not be ended by the same request.
    if (ended !== null && !firingKeys.has(alertKey(ended))) alerts.push(ended);
  }
  return alerts;
}
