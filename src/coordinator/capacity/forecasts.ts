import type { VigilConfig } from '../../config/schema.ts';
import { type CapacityOutlook, capacityOutlook } from '../../core/capacity/outlook.ts';
import { recommend, type ScopeOutlook } from '../../core/capacity/recommendations.ts';
import {
  bucketStartOf,
  type CapacityPoint,
  capacityPoints,
  FLEET_SCOPE,
  topicOfScope,
} from '../../core/capacity/series.ts';
import { defaultSeasons } from '../../core/forecast/seasons.ts';
import type { ForecastAnswer, ForecastRequest } from '../../core/forecast/types.ts';
import type { Logger } from '../../platform/log.ts';
import { listCapacityScopes, readCapacitySeries } from '../../store/repositories/capacity-series.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';
import type { SnapshotPlan } from '../sla/collector.ts';

export type CapacitySettings = VigilConfig['capacity'];

/** Runs forecasts away from the event loop (forecast-thread.ts), or in tests, anywhere. */
export interface ForecastRunner {
  run(request: ForecastRequest): Promise<ForecastAnswer>;
  close(): Promise<void>;
}

/** One scope's forecast with what it was made from. */
export interface ScopeForecast {
  scope: string;
  topic: string | null;
  interval_s: number;
  /** The start of the interval step 1 forecasts: the one in progress. */
  first_at: number;
  horizon_steps: number;
  /** The complete intervals the forecast read, oldest first. */
  history: CapacityPoint[];
  /** The interval in progress, as sampled so far. */
  current: CapacityPoint;
  /** Live slots: the interval in progress's mean, else the latest interval's. */
  supply: number;
  slots_per_node: number;
  utilization_pct: number | null;
  answer: ForecastAnswer;
  /** Null without a forecast. */
  outlook: CapacityOutlook | null;
  computed_at: number;
}

export interface CapacityForecasts {
  /** The scope's forecast `horizonSteps` intervals ahead; cached until an interval ends. */
  forecast(scope: string, horizonSteps?: number): Promise<ScopeForecast>;
  /** Scopes with history in the window, the fleet first. */
  scopes(): Promise<string[]>;
  /** Forecasts every scope at the configured horizon, so requests find them made. */
  warm(): Promise<void>;
  /** The latest made forecast of a scope, if any, without making one. */
  latest(scope: string): ScopeForecast | undefined;
  /** Stops the runner; forecasts being made reject. */
  close(): Promise<void>;
}

export interface CapacityForecastDeps {
  store: Store;
  settings: CapacitySettings;
  runner: ForecastRunner;
  now: () => number;
  log: Logger;
}

/**
 * Forecasts of the capacity series, one per scope and interval: a forecast is made from the
 * complete intervals, so it stays right until the interval in progress ends; until then the
 * same answer (or the same promise, while it is being made) serves every request.
 */
export function createCapacityForecasts(deps: CapacityForecastDeps): CapacityForecasts {
  const { store, settings, runner, now, log } = deps;
  const cache = new Map<string, { bucket: number; steps: number; made: Promise<ScopeForecast> }[]>();
  const made = new Map<string, ScopeForecast>();

  async function make(scope: string, bucket: number, steps: number): Promise<ScopeForecast> {
    const intervalMs = settings.interval_s * 1000;
    const from = bucket - settings.history_h * 3_600_000;
    const rows = await readCapacitySeries(store.db, scope, settings.interval_s, from, bucket + intervalMs);
    const inProgress = rows.at(-1)?.bucket_start === bucket ? rows.pop() : undefined;
    // The history starts at the first interval the scope was seen in.
    const start = rows[0]?.bucket_start ?? bucket;
    const history = capacityPoints(rows, { from: start, to: bucket, intervalS: settings.interval_s });
    const current = capacityPoints(inProgress === undefined ? [] : [inProgress], {
      from: bucket,
      to: bucket + intervalMs,
      intervalS: settings.interval_s,
    })[0] as CapacityPoint;
    const lastSampled = current.supply !== null ? current : history.findLast((p) => p.supply !== null);
    const supply = lastSampled?.supply ?? 0;
    const nodes = lastSampled?.live_nodes ?? 0;
    const seasons = settings.seasons.length > 0 ? [...settings.seasons] : defaultSeasons(settings.interval_s);
    // Nothing sampled yet is all missing: the engine then says how much history it needs.
    const values = history.length === 0 ? [null] : history.map((p) => p.demand);
    const answer = await runner.run({ values, seasons, horizon: steps });
    const forecast: ScopeForecast = {
      scope,
      topic: topicOfScope(scope),
      interval_s: settings.interval_s,
      first_at: bucket,
      horizon_steps: steps,
      history,
      current,
      supply,
      slots_per_node: nodes > 0 ? supply / nodes : 0,
      utilization_pct: supply > 0 && current.busy !== null ? (100 * current.busy) / supply : null,
      answer,
      outlook:
        answer.kind === 'forecast'
          ? capacityOutlook({
              points: answer.points,
              firstAt: bucket,
              intervalMs,
              supply,
              thresholdPct: settings.alert_threshold_pct,
              risk: settings.risk_level,
              accuracy: answer.backtest.model,
            })
          : null,
      computed_at: now(),
    };
    made.set(scope, forecast);
    return forecast;
  }

  function forecast(scope: string, horizonSteps = configuredSteps(settings)): Promise<ScopeForecast> {
    const bucket = bucketStartOf(now(), settings.interval_s);
    const entries = (cache.get(scope) ?? []).filter((e) => e.bucket === bucket);
    const found = entries.find((e) => e.steps === horizonSteps);
    if (found !== undefined) return found.made;
    const making = make(scope, bucket, horizonSteps);
    // A failure is not cached: the next request tries again.
    making.catch(() =>
      cache.set(
        scope,
        (cache.get(scope) ?? []).filter((e) => e.made !== making),
      ),
    );
    // A few horizons per scope at most: the configured one and what requests asked for lately.
    cache.set(scope, [...entries.slice(-3), { bucket, steps: horizonSteps, made: making }]);
    return making;
  }

  async function scopes(): Promise<string[]> {
    const since = bucketStartOf(now(), settings.interval_s) - settings.history_h * 3_600_000;
    const found = await listCapacityScopes(store.db, settings.interval_s, since);
    return [FLEET_SCOPE, ...found.filter((s) => s !== FLEET_SCOPE)];
  }

  return {
    forecast,
    scopes,
    async warm() {
      for (const scope of await scopes()) {
        try {
          await forecast(scope);
        } catch (error) {
          log.warn({ err: error, scope }, 'cannot forecast capacity');
        }
      }
    },
    latest: (scope) => made.get(scope),
    close: () => runner.close(),
  };
}

/** The configured horizon in intervals. */
export function configuredSteps(
  settings: Pick<CapacitySettings, 'forecast_horizon_h' | 'interval_s'>,
): number {
  return Math.max(1, Math.ceil((settings.forecast_horizon_h * 3600) / settings.interval_s));
}

/** A scope's forecast as recommendations read it. */
export function outlookOf(f: ScopeForecast): ScopeOutlook {
  const a = f.answer;
  if (a.kind !== 'forecast' || f.outlook === null) {
    const reason =
      a.kind === 'insufficient' ? `${a.reason} (have ${a.have} intervals, need ${a.need})` : 'no forecast';
    return { scope: f.scope, topic: f.topic, kind: 'insufficient', reason };
  }
  const intervalMs = f.interval_s * 1000;
  return {
    scope: f.scope,
    topic: f.topic,
    kind: 'forecast',
    outlook: f.outlook,
    slots_per_node: f.slots_per_node,
    utilization_pct: f.utilization_pct,
    model: a.model,
    mase: a.backtest.model.mase,
    horizon_end: f.first_at + a.points.length * intervalMs,
    longest_season_ms: Math.max(0, ...a.seasons) * intervalMs,
  };
}

/**
 * The seed's forecast columns of a capacity snapshot from the fleet's latest forecast: the
 * slots it needs, the change, and the fleet's recommendation (or why none) as the reason.
 */
export function snapshotPlan(
  fleet: ScopeForecast | undefined,
  { now, thresholdPct, risk }: { now: number; thresholdPct: number; risk: number },
): SnapshotPlan | null {
  if (fleet === undefined) return null;
  const outlook = outlookOf(fleet);
  if (outlook.kind === 'insufficient')
    return { forecast_capacity: null, recommended_scaling: null, scaling_reason: outlook.reason };
  const [first] = recommend([outlook], { now, thresholdPct, risk }).recommendations;
  return {
    forecast_capacity: outlook.outlook.projected_capacity,
    recommended_scaling: outlook.outlook.recommended_scaling,
    scaling_reason:
      first?.reason ??
      `the fleet's live slots cover its forecast peak at ${thresholdPct}% utilisation (${outlook.model} forecast)`,
  };
}

/**
 * Forecasts made ahead of requests: every scope once an interval has ended (checked a few
 * times an interval, at most every five minutes), so a request finds its answer made.
 */
export function forecastWarming(
  forecasts: CapacityForecasts,
  settings: Pick<CapacitySettings, 'interval_s'>,
): Schedule {
  return {
    name: 'capacity forecasts',
    intervalMs: Math.min(300, Math.max(10, settings.interval_s / 4)) * 1000,
    task: () => forecasts.warm(),
  };
}
