import type { AutoscalerConfig } from '../../config/autoscaler-schema.ts';
import { type CapacityOutlook, capacityOutlook } from '../../core/capacity/outlook.ts';
import { type AutoscaledPool, recommend, type ScopeOutlook } from '../../core/capacity/recommendations.ts';
import { bucketPoint, type CapacityPoint, FLEET_SCOPE } from '../../core/capacity/series.ts';
import { effectiveBounds } from '../../core/scaling/bounds.ts';
import type { CapacityReading } from '../../core/sla/capacity.ts';
import { listTargetRows } from '../../store/repositories/autoscaler.ts';
import { readCapacitySeries } from '../../store/repositories/capacity-series.ts';
import type { Store } from '../../store/store.ts';
import type { SnapshotPlan } from '../sla/collector.ts';
import type { ForecastCrossingProvider } from './alert-evaluation.ts';
import type { CapacityForecasts, CapacitySettings, ScopeForecast } from './forecasts.ts';

/** What is live in a scope now: the slots its forecast is read against. */
export interface LiveSupply {
  /** The interval in progress as sampled so far. */
  current: CapacityPoint;
  /** Live slots: the interval in progress's mean, else the latest sampled interval's. */
  supply: number;
  slots_per_node: number;
  /** Busy share of the live slots, in percent; null without either. */
  utilization_pct: number | null;
}

/** A forecast read against the live supply over its first `steps` intervals. */
export interface ScopeView extends ScopeForecast, LiveSupply {
  steps: number;
  /** Null without a forecast. */
  outlook: CapacityOutlook | null;
}

/**
 * Reads the interval in progress of a forecast's scope (one row): the forecast is made once an
 * interval, the supply it is read against is what was sampled last.
 */
export async function readLiveSupply(store: Store, forecast: ScopeForecast): Promise<LiveSupply> {
  const intervalMs = forecast.interval_s * 1000;
  const [row] = await readCapacitySeries(
    store.db,
    forecast.scope,
    forecast.interval_s,
    forecast.first_at,
    forecast.first_at + intervalMs,
  );
  const current = bucketPoint(row, forecast.first_at, forecast.interval_s);
  const sampled = current.supply !== null ? current : forecast.history.findLast((p) => p.supply !== null);
  const supply = sampled?.supply ?? 0;
  const nodes = sampled?.live_nodes ?? 0;
  return {
    current,
    supply,
    slots_per_node: nodes > 0 ? supply / nodes : 0,
    utilization_pct: supply > 0 && current.busy !== null ? (100 * current.busy) / supply : null,
  };
}

/** The forecast's outlook over its first `steps` intervals against `live`. */
export function viewOf(
  forecast: ScopeForecast,
  live: LiveSupply,
  steps: number,
  settings: Pick<CapacitySettings, 'alert_threshold_pct' | 'risk_level'>,
): ScopeView {
  const a = forecast.answer;
  return {
    ...forecast,
    ...live,
    steps,
    outlook:
      a.kind === 'forecast'
        ? capacityOutlook({
            points: a.points.slice(0, steps),
            firstAt: forecast.first_at,
            intervalMs: forecast.interval_s * 1000,
            supply: live.supply,
            thresholdPct: settings.alert_threshold_pct,
            risk: settings.risk_level,
            accuracy: a.backtest.model,
          })
        : null,
  };
}

/** A scope's view as recommendations read it. */
export function outlookOf(v: ScopeView): ScopeOutlook {
  const a = v.answer;
  if (a.kind !== 'forecast' || v.outlook === null) {
    const reason =
      a.kind === 'insufficient' ? `${a.reason} (have ${a.have} intervals, need ${a.need})` : 'no forecast';
    return { scope: v.scope, topic: v.topic, kind: 'insufficient', reason };
  }
  const intervalMs = v.interval_s * 1000;
  return {
    scope: v.scope,
    topic: v.topic,
    kind: 'forecast',
    outlook: v.outlook,
    slots_per_node: v.slots_per_node,
    utilization_pct: v.utilization_pct,
    model: a.model,
    mase: a.backtest.model.mase,
    horizon_end: v.first_at + v.steps * intervalMs,
    longest_season_ms: Math.max(0, ...a.seasons) * intervalMs,
  };
}

/**
 * The pools the autoscaler sizes, by topic, with their maximum as it acts now (an operator's
 * change over the configuration's): recommendations for those topics speak of the target.
 */
export async function autoscaledPools(
  store: Store,
  autoscaler: Pick<AutoscalerConfig, 'enabled' | 'targets'>,
): Promise<Map<string, AutoscaledPool>> {
  const pools = new Map<string, AutoscaledPool>();
  if (!autoscaler.enabled) return pools;
  const rows = new Map((await listTargetRows(store.db)).map((r) => [r.name, r]));
  for (const target of autoscaler.targets) {
    if (target.topic === undefined) continue;
    const bounds = effectiveBounds(target, rows.get(target.name));
    pools.set(target.topic, {
      target: target.name,
      max_replicas: bounds.max_replicas,
      slots_per_replica: target.concurrency,
    });
  }
  return pools;
}

/**
 * The seed's forecast columns of a capacity snapshot: the fleet's latest forecast read against
 * the collection's own capacity reading, and the fleet's recommendation (or why there is none)
 * as the reason.
 */
export function snapshotPlan(
  fleet: ScopeForecast | undefined,
  capacity: CapacityReading,
  { now, settings }: { now: number; settings: Pick<CapacitySettings, 'alert_threshold_pct' | 'risk_level'> },
): SnapshotPlan | null {
  if (fleet === undefined) return null;
  const live: LiveSupply = {
    current: bucketPoint(undefined, fleet.first_at, fleet.interval_s),
    supply: capacity.live_parallel_capacity,
    slots_per_node: capacity.live_nodes > 0 ? capacity.live_parallel_capacity / capacity.live_nodes : 0,
    utilization_pct: capacity.capacity_utilization_pct,
  };
  const outlook = outlookOf(viewOf(fleet, live, fleet.horizon_steps, settings));
  if (outlook.kind === 'insufficient')
    return { forecast_capacity: null, recommended_scaling: null, scaling_reason: outlook.reason };
  const thresholdPct = settings.alert_threshold_pct;
  const [first] = recommend([outlook], { now, thresholdPct, risk: settings.risk_level }).recommendations;
  return {
    forecast_capacity: outlook.outlook.projected_capacity,
    recommended_scaling: outlook.outlook.recommended_scaling,
    scaling_reason:
      first?.reason ??
      `the fleet's live slots cover its forecast peak at ${thresholdPct}% utilisation (${outlook.model} forecast)`,
  };
}

/**
 * Capacity alerts' forecast crossing (alert-evaluation.ts): when the fleet's point forecast
 * first passes `thresholdPct` of the live slots within the configured horizon, and at what
 * utilisation; null when it does not, or when there is no forecast yet.
 */
export function fleetForecastCrossing(
  forecasts: CapacityForecasts,
  store: Store,
  settings: Pick<CapacitySettings, 'risk_level'>,
): ForecastCrossingProvider {
  return async (thresholdPct) => {
    const forecast = await forecasts.forecast(FLEET_SCOPE, undefined, { background: true });
    const live = await readLiveSupply(store, forecast);
    const view = viewOf(forecast, live, forecast.horizon_steps, {
      alert_threshold_pct: thresholdPct,
      risk_level: settings.risk_level,
    });
    const at = view.outlook?.crosses_threshold_at ?? null;
    // Demand on no live slots at all is past any threshold.
    return at === null ? null : { at, pct: view.outlook?.crossing_pct ?? 100 };
  };
}
