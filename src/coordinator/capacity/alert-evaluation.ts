import {
  type CapacityAlertTransition,
  type ForecastCrossing,
  type OpenCapacityAlert,
  planCapacityAlerts,
} from '../../core/capacity/alerts.ts';
import { uuidv7 } from '../../core/ids.ts';
import type { CapacityReading } from '../../core/sla/capacity.ts';
import type { Db, Tx } from '../../store/capabilities.ts';
import {
  insertCapacityAlert,
  readOpenCapacityAlerts,
  resolveCapacityAlert,
  updateCapacityAlert,
} from '../../store/repositories/capacity-alerts.ts';
import type { AlertLog } from '../alerts/dispatcher.ts';
import { type CapacityDelivery, enqueueCapacityAlerts } from './alert-channels.ts';
import { CAPACITY_SEVERITY, type CapacityAlertEvent, type FiringCapacityAlert } from './alert-messages.ts';
import {
  type CapacityAlertSettings,
  type CapacityAlertSettingsDeps,
  readCapacityAlertSettingsEffective,
} from './alert-settings.ts';

/**
 * Where the forecast comes from: the first future instant, within the forecast horizon, at
 * which the forecast utilisation reaches `thresholdPct`; null when it stays below.
 */
export type ForecastCrossingProvider = (thresholdPct: number) => Promise<ForecastCrossing | null>;

export interface CapacityAlertEvaluationDeps {
  db: Db;
  settings: CapacityAlertSettingsDeps;
  delivery: CapacityDelivery;
  log: AlertLog;
  /** None: only the utilisation alert is evaluated. */
  forecastCrossing?: ForecastCrossingProvider | undefined;
  /** A forecast slower than this counts as unknown, so it cannot hold up the collection. */
  forecastTimeoutMs?: number;
}

const DEFAULT_FORECAST_TIMEOUT_MS = 10_000;

/** What one evaluation did. */
export interface CapacityAlertOutcome {
  transitions: CapacityAlertTransition[];
  events: CapacityAlertEvent[];
  /** Outbox rows written. */
  deliveries: string[];
}

/** What one collection measured, read before its transaction. */
export interface CapacityAlertReading {
  settings: CapacityAlertSettings;
  utilizationPct: number | null;
  /** Undefined: no forecast known (no provider, or it failed). */
  forecast: ForecastCrossing | null | undefined;
}

export interface CapacityAlertEvaluation {
  /**
   * Reads the settings and asks the forecast, outside the collection's transaction (a forecast
   * may take a while, and the transaction holds the collection lock); returns what to do inside it.
   */
  prepare(capacity: CapacityReading, at: number): Promise<(trx: Tx) => Promise<CapacityAlertOutcome>>;
}

/** Capacity alerts evaluated after each SLA collection, in its transaction (see docs/capacity.md). */
export function createCapacityAlertEvaluation(deps: CapacityAlertEvaluationDeps): CapacityAlertEvaluation {
  return {
    async prepare(capacity, at) {
      const reading = await readCapacityAlertInputs(deps, capacity.capacity_utilization_pct);
      return (trx) => applyCapacityAlerts(trx, reading, at, deps);
    },
  };
}

/** The settings and the forecast for this collection's threshold; a failing forecast is logged and unknown. */
export async function readCapacityAlertInputs(
  {
    db,
    settings: settingsDeps,
    forecastCrossing,
    forecastTimeoutMs = DEFAULT_FORECAST_TIMEOUT_MS,
    log,
  }: CapacityAlertEvaluationDeps,
  utilizationPct: number | null,
): Promise<CapacityAlertReading> {
  const settings = await readCapacityAlertSettingsEffective(db, settingsDeps);
  let forecast: ForecastCrossing | null | undefined;
  if (forecastCrossing !== undefined) {
    try {
      forecast = await withTimeout(forecastCrossing(settings.thresholdPct), forecastTimeoutMs);
    } catch (err) {
      log.warn({ err }, 'capacity forecast failed; forecast alerts stay as they are');
    }
  }
  return { settings, utilizationPct, forecast };
}

/** `work`'s result, or a rejection once `ms` have passed. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no forecast within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Plans the capacity alerts' transitions with the pure core, records them and writes the
 * alerts they cause to the outbox, all in `trx`.
 */
export async function applyCapacityAlerts(
  trx: Db | Tx,
  { settings, utilizationPct, forecast }: CapacityAlertReading,
  at: number,
  { delivery }: Pick<CapacityAlertEvaluationDeps, 'delivery'>,
): Promise<CapacityAlertOutcome> {
  const open = await readOpenCapacityAlerts(trx);
  const transitions = planCapacityAlerts({
    open,
    utilizationPct,
    thresholdPct: settings.thresholdPct,
    forecast,
    now: at,
  });
  const events: CapacityAlertEvent[] = [];
  const firing: FiringCapacityAlert[] = [];
  for (const t of transitions) {
    switch (t.kind) {
      case 'fired': {
        const id = uuidv7(at);
        await insertCapacityAlert(trx, { ...t, id, kind: t.alert }, at);
        const event = firedEvent(id, t, at);
        events.push(event);
        firing.push({ ...event, alert_id: id });
        break;
      }
      case 'continued':
        await updateCapacityAlert(
          trx,
          t.alert.id,
          { lastValuePct: t.valuePct, worstPct: t.worstPct, forecastAt: t.forecastAt },
          at,
        );
        firing.push({
          ...firingOf(t.alert),
          value_pct: t.valuePct,
          worst_pct: t.worstPct,
          // The threshold in force now: an operator may have changed it while the alert was open.
          threshold_pct: settings.thresholdPct,
          forecast_at: t.forecastAt,
        });
        break;
      case 'resolved':
        await resolveCapacityAlert(trx, t.alert.id, t.valuePct, at);
        events.push({
          ...firingOf(t.alert),
          kind: 'capacity_alert_resolved',
          subject: 'fleet',
          severity: CAPACITY_SEVERITY[t.alert.kind],
          value_pct: t.valuePct,
          threshold_pct: settings.thresholdPct,
          at,
          resolved_at: at,
          duration_ms: t.durationMs,
        });
        break;
    }
  }
  const deliveries = await enqueueCapacityAlerts(trx, { events, firing }, settings, delivery, at);
  return { transitions, events, deliveries };
}

function firingOf(alert: OpenCapacityAlert): FiringCapacityAlert {
  return {
    alert_id: alert.id,
    alert: alert.kind,
    value_pct: alert.valuePct,
    worst_pct: alert.worstPct,
    threshold_pct: alert.thresholdPct,
    forecast_at: alert.forecastAt,
    started_at: alert.openedAt,
  };
}

function firedEvent(
  id: string,
  t: Extract<CapacityAlertTransition, { kind: 'fired' }>,
  at: number,
): CapacityAlertEvent {
  return {
    kind: 'capacity_alert_fired',
    alert_id: id,
    alert: t.alert,
    subject: 'fleet',
    severity: CAPACITY_SEVERITY[t.alert],
    value_pct: t.valuePct,
    worst_pct: t.valuePct,
    threshold_pct: t.thresholdPct,
    forecast_at: t.forecastAt,
    at,
    started_at: at,
    resolved_at: null,
    duration_ms: null,
  };
}
