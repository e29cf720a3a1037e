import { hash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { VigilConfig } from '../../config/schema.ts';
import {
  bucketStartOf,
  type CapacityPoint,
  capacityPoints,
  FLEET_SCOPE,
  topicOfScope,
} from '../../core/capacity/series.ts';
import { insufficientAnswer } from '../../core/forecast/engine.ts';
import { defaultSeasons } from '../../core/forecast/seasons.ts';
import type { ForecastAnswer, ForecastPoint, ForecastRequest } from '../../core/forecast/types.ts';
import type { Logger } from '../../platform/log.ts';
import { readStoredForecast, storeForecast } from '../../store/repositories/capacity-forecasts.ts';
import { listCapacityScopes, readCapacitySeries } from '../../store/repositories/capacity-series.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';

export type CapacitySettings = VigilConfig['capacity'];

/**
 * How many of the longest season a model is fitted to: ten weeks of hourly data. Daily and
 * weekly shapes are learnt from recent weeks (older ones describe a fleet that has changed),
 * and a fit grows faster than the series: ten weeks take about a sixth of a year's time.
 */
export const FIT_SEASONS = 10;

/** Runs forecasts away from the event loop (forecast-thread.ts), or in tests, anywhere. */
export interface ForecastRunner {
  /** `background`: made ahead of requests, so it waits behind any a request waits for. */
  run(request: ForecastRequest, options?: { background?: boolean }): Promise<ForecastAnswer>;
  close(): Promise<void>;
}

/** One scope's forecast with what it was made from. */
export interface ScopeForecast {
  scope: string;
  topic: string | null;
  interval_s: number;
  /** The start of the interval step 1 forecasts: the one in progress when it was made. */
  first_at: number;
  horizon_steps: number;
  /** The complete intervals the forecast read, oldest first. */
  history: CapacityPoint[];
  answer: ForecastAnswer;
  computed_at: number;
}

export interface CapacityForecasts {
  /** The scope's forecast `horizonSteps` intervals ahead; cached until an interval ends. */
  forecast(scope: string, horizonSteps?: number, options?: { background?: boolean }): Promise<ScopeForecast>;
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
  /** Where each made forecast's figures are published (`/metrics`); none in some tests. */
  registry?: Registry;
}

/**
 * Forecasts of the capacity series, one per scope and interval: a forecast is made from the
 * complete intervals, so it stays right until the interval in progress ends; until then the
 * same answer (or the same promise, while it is being made) serves every request.
 */
export function createCapacityForecasts(deps: CapacityForecastDeps): CapacityForecasts {
  const { store, settings, runner, now, log } = deps;
  const gauges = deps.registry === undefined ? undefined : capacityGauges(deps.registry);
  const cache = new Map<string, { bucket: number; steps: number; made: Promise<ScopeForecast> }[]>();
  const latestMade = new Map<string, ScopeForecast>();

  /**
   * The answer to a request: too little history is known without a model (no thread is
   * started for it); else the answer stored for exactly this request (decision 0090: a
   * restarted coordinator, or another on the same store, made it already), else a new one,
   * stored for them. Storing is best effort: a forecast that cannot be kept is still answered.
   */
  async function answerTo(
    scope: string,
    request: ForecastRequest,
    background: boolean,
  ): Promise<{ answer: ForecastAnswer; computedAt: number }> {
    const insufficient = insufficientAnswer(request);
    if (insufficient !== null) return { answer: insufficient, computedAt: now() };
    const key = { scope, intervalS: settings.interval_s, horizonSteps: request.horizon };
    const requestKey = hash('sha256', JSON.stringify(request));
    const stored = await readStoredForecast(store.db, key);
    if (stored?.request_key === requestKey) {
      return { answer: JSON.parse(stored.answer) as ForecastAnswer, computedAt: stored.computed_at };
    }
    const answer = await runner.run(request, { background });
    const computedAt = now();
    await storeForecast(store.db, key, {
      request_key: requestKey,
      answer: JSON.stringify(answer),
      computed_at: computedAt,
    }).catch((error: unknown) => log.warn({ err: error, scope }, 'cannot keep the capacity forecast made'));
    return { answer, computedAt };
  }

  async function make(
    scope: string,
    bucket: number,
    steps: number,
    background: boolean,
  ): Promise<ScopeForecast> {
    const intervalMs = settings.interval_s * 1000;
    const from = bucket - settings.history_h * 3_600_000;
    const rows = await readCapacitySeries(store.db, scope, settings.interval_s, from, bucket + intervalMs);
    // The interval in progress is not part of the history (scope-view.ts reads it live).
    if (rows.at(-1)?.bucket_start === bucket) rows.pop();
    // The history starts at the first interval the scope was seen in.
    const start = rows[0]?.bucket_start ?? bucket;
    const history = capacityPoints(rows, { from: start, to: bucket, intervalS: settings.interval_s });
    const seasons = settings.seasons.length > 0 ? [...settings.seasons] : defaultSeasons(settings.interval_s);
    // Nothing sampled yet is all missing: the engine then says how much history it needs. The
    // model is fitted to the latest FIT_SEASONS longest seasons (decision 0087).
    const fitted = history.slice(-FIT_SEASONS * Math.max(...seasons));
    const values = fitted.length === 0 ? [null] : fitted.map((p) => p.demand);
    const request = { values, seasons, horizon: steps };
    const { answer, computedAt } = await answerTo(scope, request, background);
    const forecast: ScopeForecast = {
      scope,
      topic: topicOfScope(scope),
      interval_s: settings.interval_s,
      first_at: bucket,
      horizon_steps: steps,
      history,
      answer,
      computed_at: computedAt,
    };
    latestMade.set(scope, forecast);
    if (gauges !== undefined) publish(gauges, forecast);
    return forecast;
  }

  function forecast(
    scope: string,
    horizonSteps = configuredSteps(settings),
    { background = false } = {},
  ): Promise<ScopeForecast> {
    const bucket = bucketStartOf(now(), settings.interval_s);
    const entries = (cache.get(scope) ?? []).filter((e) => e.bucket === bucket);
    const found = entries.find((e) => e.steps === horizonSteps);
    if (found !== undefined) return found.made;
    const making = make(scope, bucket, horizonSteps, background);
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
          await forecast(scope, undefined, { background: true });
        } catch (error) {
          log.warn({ err: error, scope }, 'cannot forecast capacity');
        }
      }
    },
    latest: (scope) => latestMade.get(scope),
    close: () => runner.close(),
  };
}

interface CapacityGauges {
  peak: Gauge<'scope' | 'level'>;
  mase: Gauge<'scope' | 'model'>;
  history: Gauge<'scope'>;
}

function capacityGauges(registry: Registry): CapacityGauges {
  return {
    peak: new Gauge({
      name: 'vigil_capacity_forecast_peak_slots',
      help: 'The peak of a scope’s demand forecast over its horizon, in slots: the point forecast and the upper bounds',
      labelNames: ['scope', 'level'],
      registers: [registry],
    }),
    mase: new Gauge({
      name: 'vigil_capacity_forecast_mase',
      help: 'A scope’s forecast backtest MASE, of MSTL and of seasonal-naive (below 1 beats the in-sample seasonal-naive error)',
      labelNames: ['scope', 'model'],
      registers: [registry],
    }),
    history: new Gauge({
      name: 'vigil_capacity_history_intervals',
      help: 'Observed intervals of a scope’s capacity series that its latest forecast read',
      labelNames: ['scope'],
      registers: [registry],
    }),
  };
}

/** A made forecast's figures; a scope without a forecast has only its history's length. */
function publish(g: CapacityGauges, f: ScopeForecast): void {
  const a = f.answer;
  if (a.kind !== 'forecast') {
    g.history.set({ scope: f.scope }, a.have);
    return;
  }
  g.history.set({ scope: f.scope }, f.history.filter((p) => p.demand !== null).length);
  const peak = (pick: (p: ForecastPoint) => number) => Math.max(0, ...a.points.map(pick));
  g.peak.set(
    { scope: f.scope, level: 'point' },
    peak((p) => p.value),
  );
  g.peak.set(
    { scope: f.scope, level: 'upper80' },
    peak((p) => p.upper80),
  );
  g.peak.set(
    { scope: f.scope, level: 'upper95' },
    peak((p) => p.upper95),
  );
  // The backtest's `model` is MSTL's accuracy (null when it failed); `chosen` says which forecasts.
  if (a.backtest.model.mase !== null)
    g.mase.set({ scope: f.scope, model: 'mstl_ets' }, a.backtest.model.mase);
  if (a.backtest.seasonal_naive.mase !== null)
    g.mase.set({ scope: f.scope, model: 'seasonal_naive' }, a.backtest.seasonal_naive.mase);
}

/** The configured horizon in intervals. */
export function configuredSteps(
  settings: Pick<CapacitySettings, 'forecast_horizon_h' | 'interval_s'>,
): number {
  return Math.max(1, Math.ceil((settings.forecast_horizon_h * 3600) / settings.interval_s));
}

/**
 * Forecasts made ahead of requests: every scope once an interval has ended (checked a few
 * times an interval, at least every minute), one at a time behind whatever a request waits
 * for, so a request finds its answer made.
 */
export function forecastWarming(
  forecasts: CapacityForecasts,
  settings: Pick<CapacitySettings, 'interval_s'>,
): Schedule {
  return {
    name: 'capacity forecasts',
    intervalMs: Math.min(60, Math.max(1, settings.interval_s / 4)) * 1000,
    task: () => forecasts.warm(),
  };
}
