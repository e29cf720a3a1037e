/** The two capacity alerts: the fleet is busy now, or the forecast says it will be. */
export const CAPACITY_ALERT_KINDS = ['capacity_utilization_high', 'capacity_forecast_breach'] as const;
export type CapacityAlertKind = (typeof CAPACITY_ALERT_KINDS)[number];

/**
 * How far below the threshold utilisation must fall before `capacity_utilization_high`
 * resolves, in percentage points (at most half the threshold, so a low threshold can still
 * resolve). Utilisation moves with every job that starts or ends: without a margin a fleet
 * hovering at the threshold would fire and resolve at every collection.
 */
export const UTILIZATION_HYSTERESIS_PCT = 2;

/** The first future instant the forecast utilisation passes the threshold, within the horizon. */
export interface ForecastCrossing {
  /** Epoch ms. */
  at: number;
  /** The forecast utilisation at that instant, in percent. */
  pct: number;
}

/** A capacity alert that is open (fired and not yet resolved). */
export interface OpenCapacityAlert {
  id: string;
  kind: CapacityAlertKind;
  openedAt: number;
  thresholdPct: number;
  /** The reading that fired it: utilisation for the utilisation alert, the forecast's for the other. */
  valuePct: number;
  /** Highest reading while open. */
  worstPct: number;
  /** Forecast alerts: when the forecast crosses, as last seen; null for the utilisation alert. */
  forecastAt: number | null;
}

export interface CapacityAlertInput {
  open: readonly OpenCapacityAlert[];
  /** Busy share of live slots; null when no slot is live (nothing to measure). */
  utilizationPct: number | null;
  thresholdPct: number;
  /**
   * The forecast crossing; null: the forecast stays below the threshold within the horizon;
   * undefined: no forecast is known (none provided, or it failed), which changes nothing.
   */
  forecast?: ForecastCrossing | null | undefined;
  now: number;
}

export type CapacityAlertTransition =
  | {
      kind: 'fired';
      alert: CapacityAlertKind;
      valuePct: number;
      thresholdPct: number;
      forecastAt: number | null;
    }
  | {
      kind: 'continued';
      alert: OpenCapacityAlert;
      /** This collection's reading; null when there was none. */
      valuePct: number | null;
      worstPct: number;
      forecastAt: number | null;
    }
  | { kind: 'resolved'; alert: OpenCapacityAlert; valuePct: number | null; durationMs: number };

/** Utilisation must fall below this for `capacity_utilization_high` to resolve. */
export function utilizationResolveBelowPct(thresholdPct: number): number {
  return thresholdPct - Math.min(UTILIZATION_HYSTERESIS_PCT, thresholdPct / 2);
}

/**
 * The capacity alerts' state machine for one collection, a pure function of what is open and
 * what was measured. At most one alert of each kind is open; an open one never fires again.
 * `capacity_utilization_high` fires at or above the threshold and resolves below it less the
 * hysteresis; `capacity_forecast_breach` fires when the forecast crosses the threshold within
 * the horizon and resolves when it no longer does. A missing reading changes nothing. Every
 * open alert gets exactly one transition, so the caller knows what is still firing.
 */
export function planCapacityAlerts(input: CapacityAlertInput): CapacityAlertTransition[] {
  return [planUtilization(input), planForecast(input)].filter(
    (t): t is CapacityAlertTransition => t !== null,
  );
}

function openOf(open: readonly OpenCapacityAlert[], kind: CapacityAlertKind): OpenCapacityAlert | undefined {
  return open.find((a) => a.kind === kind);
}

function planUtilization({
  open,
  utilizationPct: pct,
  thresholdPct,
  now,
}: CapacityAlertInput): CapacityAlertTransition | null {
  const current = openOf(open, 'capacity_utilization_high');
  if (current === undefined) {
    if (pct === null || pct < thresholdPct) return null;
    return {
      kind: 'fired',
      alert: 'capacity_utilization_high',
      valuePct: pct,
      thresholdPct,
      forecastAt: null,
    };
  }
  if (pct !== null && pct < utilizationResolveBelowPct(thresholdPct)) {
    return {
      kind: 'resolved',
      alert: current,
      valuePct: pct,
      durationMs: Math.max(0, now - current.openedAt),
    };
  }
  return {
    kind: 'continued',
    alert: current,
    valuePct: pct,
    worstPct: pct === null ? current.worstPct : Math.max(current.worstPct, pct),
    forecastAt: null,
  };
}

function planForecast({
  open,
  forecast,
  thresholdPct,
  now,
}: CapacityAlertInput): CapacityAlertTransition | null {
  const current = openOf(open, 'capacity_forecast_breach');
  if (current === undefined) {
    if (forecast === undefined || forecast === null) return null;
    return {
      kind: 'fired',
      alert: 'capacity_forecast_breach',
      valuePct: forecast.pct,
      thresholdPct,
      forecastAt: forecast.at,
    };
  }
  if (forecast === null) {
    return {
      kind: 'resolved',
      alert: current,
      valuePct: null,
      durationMs: Math.max(0, now - current.openedAt),
    };
  }
  return {
    kind: 'continued',
    alert: current,
    valuePct: forecast?.pct ?? null,
    worstPct: forecast === undefined ? current.worstPct : Math.max(current.worstPct, forecast.pct),
    forecastAt: forecast?.at ?? current.forecastAt,
  };
}
