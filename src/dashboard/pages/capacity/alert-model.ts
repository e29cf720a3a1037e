/**
 * The capacity alerts as the API answers them (docs/capacity.md, "Capacity alerts";
 * `coordinator/capacity/schemas.ts`), and the pure shaping the alerts panel and its settings
 * form need: the kinds in words, the body a form's edits make, and which field a 400 names.
 * test/dashboard/capacity-alerts.test.ts holds these types to the served OpenAPI document.
 */
import type { CapacityAlertKind } from '../../../core/capacity/alerts.ts';

/** One alert of `GET /sla/capacity/alerts`. */
export interface CapacityAlert {
  id: string;
  alert: CapacityAlertKind;
  opened_at: string;
  resolved_at: string | null;
  threshold_pct: number;
  value_pct: number;
  worst_pct: number;
  last_value_pct: number | null;
  forecast_at: string | null;
}

export type WebhookFormat = 'json' | 'slack';

/** The settings in effect (`GET /sla/capacity/alerts/configure`, and the answer to a POST). */
export interface AlertSettings {
  threshold_pct: number;
  threshold_source: 'api' | 'configuration';
  configuration_threshold_pct: number;
  resolve_below_pct: number;
  notification_email: string | null;
  email: { deliverable: boolean; reason: string | null };
  /** Redacted by the API: scheme and host only; the id tells two URLs on one host apart. */
  webhooks: { id: string; url: string; format: WebhookFormat }[];
  configured_channels: { webhooks: number; alertmanager: boolean };
  updated_at: string | null;
  updated_by: string | null;
}

/** `POST /sla/capacity/alerts/configure`: an absent field keeps its value, null clears it. */
export interface ConfigureBody {
  threshold_pct?: number | string | null;
  notification_email?: string | null;
  /** New ones by URL, those in effect by the id GET shows (kept as they are). */
  webhooks?: Array<{ url: string; format: WebhookFormat } | { id: string }>;
}

export const SETTINGS_PATH = '/sla/capacity/alerts/configure';
export const OPEN_ALERTS_PATH = '/sla/capacity/alerts?open=true';
/** The newest alerts, open or not; the panel lists the resolved ones among them. */
export const RECENT_ALERTS_PATH = '/sla/capacity/alerts?open=false&limit=20';

const KIND_WORDS: Record<CapacityAlertKind, string> = {
  capacity_utilization_high: 'Utilisation at or above the threshold',
  capacity_forecast_breach: 'Forecast reaches the threshold',
};
const KIND_SEVERITY: Record<CapacityAlertKind, 'high' | 'warning'> = {
  capacity_utilization_high: 'high',
  capacity_forecast_breach: 'warning',
};

/** An alert's kind in words; one the page does not know yet as the API spells it. */
export const kindText = (kind: string): string =>
  KIND_WORDS[kind as CapacityAlertKind] ?? kind.replaceAll('_', ' ');

/** The severity the coordinator gives the kind when it sends it (docs/capacity.md). */
export const kindSeverity = (kind: string): string => KIND_SEVERITY[kind as CapacityAlertKind] ?? '—';

/** The reading an alert shows now: the latest collection's, or the one that fired it. */
export const currentReading = (a: CapacityAlert): number => a.last_value_pct ?? a.value_pct;

/**
 * Of the polled settings and the answer to the operator's last save, the newer: a poll that
 * left before the save and lands after it must not show the old settings again.
 */
export function newerSettings(
  polled: AlertSettings | undefined,
  saved: AlertSettings | null,
): AlertSettings | undefined {
  if (saved === null) return polled;
  if (polled === undefined) return saved;
  return (polled.updated_at ?? '') >= (saved.updated_at ?? '') ? polled : saved;
}

/**
 * A webhook row of the form: a new one, or one in effect (`was`, redacted; `key` is its id),
 * kept as it is while its URL is left blank, replaced when a URL is typed.
 */
export interface WebhookRow {
  key: string;
  url: string;
  format: WebhookFormat;
  was: string | null;
}

/** The form's fields as typed; null where the operator has not touched a field (it is left out). */
export interface SettingsDraft {
  threshold: string | null;
  email: string | null;
  /** Null: the webhooks in effect stay; a list replaces them (the API takes the whole list). */
  webhooks: WebhookRow[] | null;
}

/**
 * The body a draft makes: only what was touched, so a save never clears what another operator
 * set meanwhile. An empty threshold is the configuration's (null), an empty address none; a
 * threshold that is not a number goes as typed, so the API's 400 says what is wrong with it.
 */
export function configureBody(draft: SettingsDraft): ConfigureBody {
  const body: ConfigureBody = {};
  if (draft.threshold !== null) {
    const text = draft.threshold.trim();
    const n = Number(text);
    body.threshold_pct = text === '' ? null : Number.isFinite(n) ? n : text;
  }
  if (draft.email !== null) {
    const text = draft.email.trim();
    body.notification_email = text === '' ? null : text;
  }
  if (draft.webhooks !== null)
    body.webhooks = draft.webhooks.map((w) =>
      w.was !== null && w.url.trim() === '' ? { id: w.key } : { url: w.url.trim(), format: w.format },
    );
  return body;
}

/** Where a 400's detail belongs: a field of the form (`webhooks[1]` for one row), or the form as a whole. */
export type FieldName = 'threshold_pct' | 'notification_email' | 'webhooks' | `webhooks[${number}]` | 'form';

/**
 * A 400's detail split by the field each part names. The API names the field first
 * (`body.notification_email "x" is not an e-mail address`, `body.webhooks[1].url must be http
 * or https, not ftp`), several at once joined by "; ". Each field keeps its first part: the
 * rest are the schema's other branches (`must be null`, `must match a schema in anyOf`). What
 * names no field is the form's.
 */
export function fieldErrors(detail: string): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {};
  const add = (field: FieldName, text: string) => {
    errors[field] ??= text;
  };
  for (const part of detail.split(/;\s+(?=body\b)/)) {
    const named = /^body\.(threshold_pct|notification_email|webhooks)(\[(\d+)\])?/.exec(part);
    if (named === null) add('form', part);
    else if (named[1] === 'webhooks' && named[3] !== undefined) add(`webhooks[${Number(named[3])}]`, part);
    else add(named[1] as FieldName, part);
  }
  return errors;
}
