import type { CapacityAlertKind } from '../../core/capacity/alerts.ts';
import type { AlertmanagerAlert } from '../alerts/format-alertmanager.ts';
import type { SlackBody } from '../alerts/format-slack.ts';
import type { EmailMessage } from '../alerts/smtp.ts';
import { formatDuration } from '../alerts/wording.ts';

/** One change in a capacity alert's life, as receivers see it (snake_case JSON). */
export interface CapacityAlertEvent {
  kind: 'capacity_alert_fired' | 'capacity_alert_resolved';
  alert_id: string;
  alert: CapacityAlertKind;
  subject: 'fleet';
  severity: CapacitySeverity;
  /** Utilisation (%) for the utilisation alert, the forecast's utilisation for the forecast alert; null when none was read. */
  value_pct: number | null;
  worst_pct: number;
  threshold_pct: number;
  /** Forecast alerts: when the forecast crosses the threshold (epoch ms); null otherwise. */
  forecast_at: number | null;
  /** When the collection that produced the event ran (epoch ms). */
  at: number;
  started_at: number;
  resolved_at: number | null;
  duration_ms: number | null;
}

/** A capacity alert still open after a collection: what Alertmanager must keep hearing about. */
export interface FiringCapacityAlert {
  alert_id: string;
  alert: CapacityAlertKind;
  value_pct: number | null;
  worst_pct: number;
  threshold_pct: number;
  forecast_at: number | null;
  started_at: number;
}

export type CapacitySeverity = 'high' | 'warning';

/** Busy now is acted on now; a forecast gives time to plan. */
export const CAPACITY_SEVERITY: Record<CapacityAlertKind, CapacitySeverity> = {
  capacity_utilization_high: 'high',
  capacity_forecast_breach: 'warning',
};

export const CAPACITY_ALERT_NAME = 'VigilCapacityAlert';

const pct = (value: number) => `${Math.round(value * 10) / 10} %`;
const iso = (ms: number) => new Date(ms).toISOString();

/** When the forecast crosses, absolute and from now: `2026-11-03T14:00:00.000Z (in 2 d 3 h)`. */
function when(at: number, now: number): string {
  return `${iso(at)} (in ${formatDuration(at - now)})`;
}

function firedLine(e: CapacityAlertEvent): string {
  const tag = `[${e.severity.toUpperCase()}]`;
  if (e.alert === 'capacity_forecast_breach') {
    const reach = e.value_pct === null ? '' : ` to reach ${pct(e.value_pct)}`;
    return `${tag} capacity utilisation of the fleet is forecast${reach} at ${when(e.forecast_at ?? e.at, e.at)}, at or above the threshold of ${pct(e.threshold_pct)} — fired`;
  }
  return `${tag} capacity utilisation of the fleet is ${pct(e.value_pct ?? e.worst_pct)} (threshold ${pct(e.threshold_pct)}) — fired`;
}

function resolvedLine(e: CapacityAlertEvent): string {
  const after = e.duration_ms === null ? '' : ` after ${formatDuration(e.duration_ms)}`;
  if (e.alert === 'capacity_forecast_breach') {
    return `[RESOLVED] the capacity forecast no longer reaches ${pct(e.threshold_pct)} within its horizon — resolved${after}`;
  }
  const now = e.value_pct === null ? '' : ` is ${pct(e.value_pct)}`;
  return `[RESOLVED] capacity utilisation of the fleet${now} (threshold ${pct(e.threshold_pct)}) — resolved${after} (worst ${pct(e.worst_pct)})`;
}

/** One line a person can act on. */
export function capacityEventLine(e: CapacityAlertEvent): string {
  return e.kind === 'capacity_alert_fired' ? firedLine(e) : resolvedLine(e);
}

/** The generic webhook body, the same envelope as SLA alerts'; receivers tell events apart by `kind`. */
export function capacityJson(events: readonly CapacityAlertEvent[], now: number) {
  return { version: 1 as const, generated_at: now, events: [...events] };
}

function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function capacitySlack(events: readonly CapacityAlertEvent[]): SlackBody {
  const lines = events.map((e) => escapeSlack(capacityEventLine(e)));
  const icon = (e: CapacityAlertEvent) =>
    e.kind === 'capacity_alert_resolved'
      ? ':white_check_mark:'
      : e.severity === 'high'
        ? ':red_circle:'
        : ':large_orange_circle:';
  return {
    text: lines.join('\n'),
    blocks: [
      ...events.map((e, i) => ({
        type: 'section' as const,
        text: { type: 'mrkdwn' as const, text: `${icon(e)} ${lines[i]}` },
      })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Vigil capacity alerts' }] },
    ],
  };
}

/** The e-mail of one collection's capacity events: one line each, then their figures. */
export function capacityEmail(events: readonly CapacityAlertEvent[]): EmailMessage {
  const lines = events.map(capacityEventLine);
  const subject = events.length === 1 ? `Vigil: ${lines[0]}` : `Vigil: ${events.length} capacity alerts`;
  const details = events.map((e) =>
    [
      `${e.alert} (${e.kind === 'capacity_alert_fired' ? 'fired' : 'resolved'}, id ${e.alert_id})`,
      `  threshold: ${pct(e.threshold_pct)}`,
      `  reading: ${e.value_pct === null ? 'none' : pct(e.value_pct)}, worst ${pct(e.worst_pct)}`,
      ...(e.forecast_at === null ? [] : [`  forecast crossing: ${iso(e.forecast_at)}`]),
      `  open since: ${iso(e.started_at)}`,
      ...(e.resolved_at === null ? [] : [`  resolved at: ${iso(e.resolved_at)}`]),
    ].join('\n'),
  );
  return {
    subject: subject.length > 200 ? `${subject.slice(0, 199)}…` : subject,
    text: `${lines.join('\n')}\n\n${details.join('\n\n')}\n\n-- \nVigil capacity alerts (docs/capacity.md)\n`,
  };
}

function labels(alert: CapacityAlertKind): Record<string, string> {
  return {
    alertname: CAPACITY_ALERT_NAME,
    alert,
    severity: CAPACITY_SEVERITY[alert],
    subject: 'fleet',
    service: 'vigil',
  };
}

/**
 * The Alertmanager body of one collection's capacity alerts: every open one as firing (with
 * a time to live of `firingTtlMs`, as SLA violations), and those resolved now with their end.
 */
export function capacityAlertmanager(
  events: readonly CapacityAlertEvent[],
  firing: readonly FiringCapacityAlert[],
  { now, firingTtlMs }: { now: number; firingTtlMs: number },
): AlertmanagerAlert[] {
  const alerts: AlertmanagerAlert[] = firing.map((f) => ({
    labels: labels(f.alert),
    annotations: {
      summary:
        f.alert === 'capacity_forecast_breach'
          ? `Capacity utilisation is forecast to reach ${pct(f.threshold_pct)} at ${when(f.forecast_at ?? now, now)}`
          : `Capacity utilisation of the fleet is ${pct(f.value_pct ?? f.worst_pct)} (threshold ${pct(f.threshold_pct)})`,
      description: `Capacity alert ${f.alert_id} open since ${iso(f.started_at)}; worst ${pct(f.worst_pct)}.`,
      alert_id: f.alert_id,
    },
    startsAt: iso(f.started_at),
    endsAt: iso(now + firingTtlMs),
  }));
  for (const e of events) {
    if (e.kind !== 'capacity_alert_resolved') continue;
    alerts.push({
      labels: labels(e.alert),
      annotations: { summary: capacityEventLine(e), description: capacityEventLine(e), alert_id: e.alert_id },
      startsAt: iso(e.started_at),
      endsAt: iso(e.resolved_at ?? e.at),
    });
  }
  return alerts;
}
