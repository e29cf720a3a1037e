import type { CapacityAlertKind } from '../core/capacity/alerts.ts';

/**
 * Capacity planning's tables: its series (migration 0012), alerts' settings and state (0013),
 * the latest forecasts made (0014). Times are UTC ms.
 */
export interface CapacityTables {
  capacity_series: CapacitySeriesTable;
  capacity_forecasts: CapacityForecastsTable;
  capacity_alert_settings: CapacityAlertSettingsTable;
  capacity_alerts: CapacityAlertsTable;
}

/**
 * One scope's readings over one interval (decision 0086): `fleet`, or `topic:<name>`. Each
 * capacity sampling adds to the sums and counts itself in `samples`, so a bucket's means are
 * sum ÷ samples however many coordinators sampled or how often; `arrivals` and `work_slot_s`
 * are recounted from the job records while the bucket is recent.
 */
export interface CapacitySeriesTable {
  scope: string;
  interval_s: number;
  bucket_start: number;
  samples: number;
  /** Slots running work (the fleet: nodes' reported busy slots; a topic: its leased jobs). */
  busy_sum: number;
  /** Jobs waiting (ready) in the queue. */
  queued_sum: number;
  /** Slots of live nodes (the fleet: their max_parallel; a topic: its enabled workers' concurrency). */
  supply_sum: number;
  /** Live nodes (a topic: live nodes with a worker for it), for slots per node. */
  live_nodes_sum: number;
  /** Jobs submitted in the interval. */
  arrivals: number;
  /** Their work in slot-seconds: arrivals × the mean attempt duration (decision 0086). */
  work_slot_s: number;
  last_sample_at: number | null;
}

/**
 * The latest forecast made for a scope, interval and horizon (decision 0090): `answer` is the
 * engine's answer as JSON, `request_key` the SHA-256 of the exact request it answers (the
 * values, seasons and horizon), so it is reused only while those are unchanged.
 */
export interface CapacityForecastsTable {
  scope: string;
  interval_s: number;
  horizon_steps: number;
  request_key: string;
  answer: string;
  computed_at: number;
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
