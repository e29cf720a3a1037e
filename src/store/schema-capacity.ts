import type { CapacityAlertKind } from '../core/capacity/alerts.ts';

/** Capacity alerts' settings and state (migration 0013). Times are UTC ms. */
export interface CapacityTables {
  capacity_alert_settings: CapacityAlertSettingsTable;
  capacity_alerts: CapacityAlertsTable;
}

/**
 * What operators set through `POST /sla/capacity/alerts/configure`: one row (id 1). A null
 * threshold means the configuration's `capacity.alert_threshold_pct`.
 */
export interface CapacityAlertSettingsTable {
  id: number;
  threshold_pct: number | null;
  notification_email: string | null;
  /** JSON: `[{ url, format }]`. The URLs are the receivers' credentials (decision 0083). */
  webhooks: string;
  updated_at: number;
  /** The API key label (or node id) that last changed them. */
  updated_by: string | null;
}

/** One capacity alert from when it fired to when it resolved; open while `resolved_at` is null. */
export interface CapacityAlertsTable {
  id: string;
  kind: CapacityAlertKind;
  opened_at: number;
  threshold_pct: number;
  value_pct: number;
  worst_pct: number;
  /** The latest reading while open; null when the last collection had none. */
  last_value_pct: number | null;
  /** Forecast alerts: when the forecast crosses the threshold, as last seen. */
  forecast_at: number | null;
  updated_at: number;
  resolved_at: number | null;
}
