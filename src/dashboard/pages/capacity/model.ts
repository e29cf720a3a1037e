/**
 * The capacity page's data as the API answers it (docs/api.md, "SLA metrics, violations,
 * capacity and status"; `coordinator/capacity/views.ts`), and the pure shaping it shows: the
 * scope and horizon in the fragment, the chart's columns, what a missing history needs.
 * test/dashboard/capacity.test.ts holds these types to the served OpenAPI document.
 */

export interface Accuracy {
  mase: number | null;
  smape: number | null;
  coverage80: number | null;
  coverage95: number | null;
}

export interface ForecastPoint {
  at: string;
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface HistoryPoint {
  at: string;
  demand: number | null;
  busy: number | null;
  queued: number | null;
  supply: number | null;
  arrivals: number;
}

export interface CapacityForecast {
  forecast_horizon_hours: number;
  current_capacity: number;
  projected_capacity: number | null;
  recommended_scaling: string | null;
  confidence: number | null;
  source: string;
  status: 'forecast' | 'insufficient_history';
  topic: string | null;
  interval_s: number;
  threshold_pct: number;
  risk_level: number;
  model: string | null;
  why: string | null;
  seasons: number[];
  dropped_seasons: { season: number; reason: string }[];
  backtest: {
    origins: number;
    horizon: number;
    chosen: string;
    model: Accuracy;
    seasonal_naive: Accuracy;
  } | null;
  history_needed: {
    have_intervals: number;
    need_intervals: number;
    need_hours: number;
    reason: string;
  } | null;
  utilization_pct: number | null;
  demand_exceeds_supply_at: string | null;
  demand_may_exceed_supply_at: string | null;
  crosses_threshold_at: string | null;
  peak: { value: number; upper: number; at: string } | null;
  points: ForecastPoint[];
  history: HistoryPoint[];
  computed_at: string;
}

export interface Recommendation {
  action: string;
  quantity: number;
  reason: string;
  priority: string;
  scope: string;
  topic: string | null;
  by: string;
  slots_needed: number;
}

export interface CapacityRecommendations {
  current_state: string;
  recommendations: Recommendation[];
  notes: string[];
  threshold_pct: number;
  risk_level: number;
  source: string;
  computed_at: string;
}

/** The part of a capacity snapshot (`GET /sla/capacity/snapshots`) the page shows: what the seed recorded. */
export interface CapacitySnapshot {
  timestamp: string;
  live_parallel_capacity: number;
  forecast_capacity: number | null;
  recommended_scaling: string | null;
  scaling_reason: string | null;
}

/** The newest snapshot, the one the last SLA collection wrote. */
export const LATEST_SNAPSHOT_PATH = '/sla/capacity/snapshots?hours=24&limit=1';

/**
 * The horizons the page offers, as the `horizon` of its address, with how much history each
 * shows. The first is the coordinator's own (`capacity.forecast_horizon_h`), whatever its
 * interval: `vigil up`'s 5-second intervals make a day of hours far more than a forecast holds.
 */
export const HORIZONS = [
  { horizon: 'configured', hours: null, historyHours: null, label: 'as configured' },
  { horizon: '24h', hours: 24, historyHours: 72, label: '24 hours' },
  { horizon: '7d', hours: 168, historyHours: 168, label: '7 days' },
  { horizon: '14d', hours: 336, historyHours: 336, label: '14 days' },
] as const;
export type Horizon = (typeof HORIZONS)[number];

/** The horizon an address names; the configured one for none or an unknown one. */
export function horizonOf(name: string | null): Horizon {
  return HORIZONS.find((h) => h.horizon === name) ?? HORIZONS[0];
}

/** The topic an address names, or null for the fleet. */
export function topicOf(params: URLSearchParams): string | null {
  const topic = (params.get('topic') ?? '').trim();
  return topic === '' ? null : topic;
}

/** The fragment's query for `href('/capacity', …)`: the fleet and the configured horizon are left out. */
export function capacityQuery(topic: string | null, horizon: Horizon): Record<string, string | undefined> {
  return {
    topic: topic ?? undefined,
    horizon: horizon.horizon === HORIZONS[0].horizon ? undefined : horizon.horizon,
  };
}

/** `GET /sla/capacity/forecast` for a scope and horizon (the configured one: no parameters). */
export function forecastPath(topic: string | null, horizon: Horizon): string {
  const params = new URLSearchParams();
  if (horizon.hours !== null) params.set('hours_ahead', String(horizon.hours));
  if (horizon.historyHours !== null) params.set('history_hours', String(horizon.historyHours));
  if (topic !== null) params.set('topic', topic);
  return `/sla/capacity/forecast?${params.toString()}`;
}

/** "the fleet" or "topic render": how the page names a scope. */
export function scopeName(topic: string | null): string {
  return topic === null ? 'the fleet' : `topic ${topic}`;
}

/** A series scope as the recommendations name it (`fleet`, `topic:render`), in words. */
export function scopeLabel(scope: string): string {
  return scope.startsWith('topic:') ? `topic ${scope.slice('topic:'.length)}` : scope;
}

/**
 * "1 more hour", "38 more hours", "2.5 more hours", and under an hour "6 more minutes" (vigil
 * up's compressed time): what an insufficient history still needs.
 */
export function moreHoursText(hours: number): string {
  if (hours < 1) {
    const minutes = Math.max(1, Math.ceil(hours * 60));
    return `${minutes} more ${minutes === 1 ? 'minute' : 'minutes'}`;
  }
  const rounded = Math.round(hours * 10) / 10;
  return `${rounded} more ${rounded === 1 ? 'hour' : 'hours'}`;
}

/** "add_nodes" reads as "add nodes". */
export const words = (text: string) => text.replaceAll('_', ' ');

/** The order recommendations are listed in: the most urgent first. */
const PRIORITY_ORDER = ['critical', 'high', 'medium', 'low'];

export function byPriority(list: readonly Recommendation[]): Recommendation[] {
  const rank = (p: string) => {
    const i = PRIORITY_ORDER.indexOf(p);
    return i === -1 ? PRIORITY_ORDER.length : i;
  };
  return [...list].sort((a, b) => rank(a.priority) - rank(b.priority) || a.by.localeCompare(b.by));
}

export interface ForecastColumns {
  /** Epoch milliseconds: what happened, then the forecast. */
  x: number[];
  demand: (number | null)[];
  busy: (number | null)[];
  supply: (number | null)[];
  value: (number | null)[];
  lower80: (number | null)[];
  upper80: (number | null)[];
  lower95: (number | null)[];
  upper95: (number | null)[];
  /** The live slots, and the share of them the threshold allows, drawn across the whole range. */
  live: number;
  threshold: number;
}

/**
 * A forecast answer as the chart's columns on one time axis: the history's points carry what
 * happened, the forecast's carry the point forecast and its intervals, and each is null on the
 * other's side (the API gives them back to back: the forecast starts at the interval in progress).
 */
export function forecastColumns(f: CapacityForecast): ForecastColumns {
  const history = f.history.map((p) => ({ ...p, t: Date.parse(p.at) }));
  const points = f.points.map((p) => ({ ...p, t: Date.parse(p.at) }));
  const none = (n: number) => Array.from({ length: n }, () => null);
  const h = history.length;
  const n = points.length;
  return {
    x: [...history.map((p) => p.t), ...points.map((p) => p.t)],
    demand: [...history.map((p) => p.demand), ...none(n)],
    busy: [...history.map((p) => p.busy), ...none(n)],
    supply: [...history.map((p) => p.supply), ...none(n)],
    value: [...none(h), ...points.map((p) => p.value)],
    lower80: [...none(h), ...points.map((p) => p.lower80)],
    upper80: [...none(h), ...points.map((p) => p.upper80)],
    lower95: [...none(h), ...points.map((p) => p.lower95)],
    upper95: [...none(h), ...points.map((p) => p.upper95)],
    live: f.current_capacity,
    threshold: (f.current_capacity * f.threshold_pct) / 100,
  };
}

const MODEL_NAMES: Record<string, string> = {
  mstl_ets: 'MSTL + AutoETS',
  seasonal_naive: 'seasonal-naive',
};

/** A forecast model's name as people write it; an unknown one as the API spells it. */
export const modelName = (model: string) => MODEL_NAMES[model] ?? words(model);

/** A season in intervals, in time: 24 hourly intervals are "24 (1 d)". */
export function seasonText(season: number, intervalS: number): string {
  const hours = (season * intervalS) / 3600;
  const span =
    hours < 1
      ? `${Math.round(hours * 60 * 10) / 10} min`
      : hours % 24 === 0
        ? `${hours / 24} d`
        : `${Math.round(hours * 10) / 10} h`;
  return `${season} (${span})`;
}

/** A horizon in words: "24 hours", "7 days", "36 hours". */
export function horizonText(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} minutes`;
  return hours > 48 && hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
}
