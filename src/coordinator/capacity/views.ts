import { type Static, Type } from 'typebox';
import type { Recommendations } from '../../core/capacity/recommendations.ts';
import type { Accuracy } from '../../core/forecast/types.ts';
import { toIso } from '../../core/time.ts';
import { Nullable } from '../http/schemas.ts';
import type { ScopeView } from './scope-view.ts';

const Num = Type.Number();
const MaybeNum = Nullable(Type.Number());
const MaybeIso = Nullable(Type.String({ format: 'date-time' }));

const AccuracyView = Type.Object({
  mase: Nullable(
    Type.Number({
      description: 'Mean absolute scaled error (below 1 beats the in-sample seasonal-naive error)',
    }),
  ),
  smape: Nullable(Type.Number({ description: 'Symmetric mean absolute percentage error, 0–200' })),
  coverage80: Nullable(Type.Number({ description: 'Share of held-out values inside the 80 % interval' })),
  coverage95: Nullable(Type.Number({ description: 'Share of held-out values inside the 95 % interval' })),
});

const PointView = Type.Object({
  at: Type.String({ format: 'date-time' }),
  value: Num,
  lower80: Num,
  upper80: Num,
  lower95: Num,
  upper95: Num,
});

const HistoryView = Type.Object({
  at: Type.String({ format: 'date-time' }),
  demand: MaybeNum,
  busy: MaybeNum,
  queued: MaybeNum,
  supply: MaybeNum,
  arrivals: Type.Integer(),
});

export const ForecastView = Type.Object({
  forecast_horizon_hours: Type.Number(),
  current_capacity: Type.Number({ description: 'Live slots: the mean of the interval in progress' }),
  projected_capacity: Nullable(
    Type.Integer({
      description:
        'Slots needed by the horizon: the peak upper bound at the risk level ÷ the utilisation ceiling',
    }),
  ),
  recommended_scaling: Nullable(
    Type.String({ description: '+25%, -10%, none, or +N slots; null without a forecast' }),
  ),
  confidence: Nullable(
    Type.Number({ description: 'How often the backtest’s intervals at the risk level held the truth' }),
  ),
  source: Type.String({ description: 'Where the series comes from: fleet or topic:<name>' }),
  status: Type.Union([Type.Literal('forecast'), Type.Literal('insufficient_history')]),
  topic: Nullable(Type.String()),
  interval_s: Type.Integer(),
  threshold_pct: Num,
  risk_level: Num,
  model: Nullable(Type.String({ description: 'mstl_ets or seasonal_naive' })),
  why: Nullable(Type.String({ description: 'Why this model, or why no forecast' })),
  seasons: Type.Array(Type.Integer(), { description: 'Seasonal periods used, in intervals' }),
  dropped_seasons: Type.Array(Type.Object({ season: Type.Integer(), reason: Type.String() })),
  backtest: Nullable(
    Type.Object({
      origins: Type.Integer(),
      horizon: Type.Integer(),
      chosen: Type.String(),
      model: AccuracyView,
      seasonal_naive: AccuracyView,
    }),
  ),
  history_needed: Nullable(
    Type.Object({
      have_intervals: Type.Integer(),
      need_intervals: Type.Integer(),
      need_hours: Num,
      reason: Type.String(),
    }),
  ),
  utilization_pct: MaybeNum,
  demand_exceeds_supply_at: Nullable(
    Type.String({
      format: 'date-time',
      description: 'The first interval the point forecast passes the live slots',
    }),
  ),
  demand_may_exceed_supply_at: Nullable(
    Type.String({ format: 'date-time', description: 'The same for the upper bound at the risk level' }),
  ),
  crosses_threshold_at: MaybeIso,
  peak: Nullable(Type.Object({ value: Num, upper: Num, at: Type.String({ format: 'date-time' }) })),
  points: Type.Array(PointView),
  history: Type.Array(HistoryView, { description: 'What happened: the latest complete intervals' }),
  computed_at: Type.String({ format: 'date-time' }),
});

export type ForecastBody = Static<typeof ForecastView>;

const accuracyView = (a: Accuracy) => ({
  mase: a.mase,
  smape: a.smape,
  coverage80: a.coverage80,
  coverage95: a.coverage95,
});

/** The seed's forecast fields and everything behind them; `historySteps` of what happened. */
export function forecastView(
  f: ScopeView,
  {
    hoursAhead,
    historySteps,
    thresholdPct,
    risk,
  }: { hoursAhead: number; historySteps: number; thresholdPct: number; risk: number },
): ForecastBody {
  const intervalMs = f.interval_s * 1000;
  const a = f.answer;
  const o = f.outlook;
  const steps = f.steps;
  return {
    forecast_horizon_hours: hoursAhead,
    current_capacity: f.supply,
    projected_capacity: o?.projected_capacity ?? null,
    recommended_scaling: o?.recommended_scaling ?? null,
    confidence: o?.confidence ?? null,
    source: f.scope,
    status: a.kind === 'forecast' ? 'forecast' : 'insufficient_history',
    topic: f.topic,
    interval_s: f.interval_s,
    threshold_pct: thresholdPct,
    risk_level: risk,
    model: a.kind === 'forecast' ? a.model : null,
    why: a.kind === 'forecast' ? a.why : a.reason,
    seasons: a.kind === 'forecast' ? a.seasons : [],
    dropped_seasons: a.kind === 'forecast' ? a.dropped : [],
    backtest:
      a.kind === 'forecast'
        ? {
            origins: a.backtest.origins,
            horizon: a.backtest.horizon,
            chosen: a.backtest.chosen,
            model: accuracyView(a.backtest.model),
            seasonal_naive: accuracyView(a.backtest.seasonal_naive),
          }
        : null,
    history_needed:
      a.kind === 'insufficient'
        ? {
            have_intervals: a.have,
            need_intervals: a.need,
            need_hours: (Math.max(0, a.need - a.have) * f.interval_s) / 3600,
            reason: a.reason,
          }
        : null,
    utilization_pct: f.utilization_pct,
    demand_exceeds_supply_at: isoOrNull(o?.exceeds_supply_at),
    demand_may_exceed_supply_at: isoOrNull(o?.may_exceed_supply_at),
    crosses_threshold_at: isoOrNull(o?.crosses_threshold_at),
    peak: o === null ? null : { value: o.peak.value, upper: o.peak.upper, at: toIso(o.peak.at) },
    points:
      a.kind === 'forecast'
        ? a.points.slice(0, steps).map((p, i) => ({
            at: toIso(f.first_at + i * intervalMs),
            value: p.value,
            lower80: p.lower80,
            upper80: p.upper80,
            lower95: p.lower95,
            upper95: p.upper95,
          }))
        : [],
    history: f.history.slice(-historySteps).map((p) => ({
      at: toIso(p.at),
      demand: p.demand,
      busy: p.busy,
      queued: p.queued,
      supply: p.supply,
      arrivals: p.arrivals,
    })),
    computed_at: toIso(f.computed_at),
  };
}

const isoOrNull = (at: number | null | undefined) => (at === null || at === undefined ? null : toIso(at));

export const RecommendationsView = Type.Object({
  current_state: Type.String({
    description: 'healthy, warning, critical, over_provisioned or insufficient_history',
  }),
  recommendations: Type.Array(
    Type.Object({
      action: Type.String({
        description: 'add_nodes, remove_nodes, or raise_max_replicas for a pool an autoscaler target sizes',
      }),
      quantity: Type.Integer({
        description:
          'Whole nodes (slots needed or spare ÷ slots per node), or replicas to raise the target’s maximum by',
      }),
      reason: Type.String(),
      priority: Type.String({ description: 'critical, high, medium or low' }),
      scope: Type.String(),
      topic: Nullable(Type.String()),
      by: Type.String({ format: 'date-time', description: 'The instant the recommendation concerns' }),
      slots_needed: Num,
    }),
  ),
  notes: Type.Array(Type.String(), { description: 'Scopes without a forecast, and why' }),
  threshold_pct: Num,
  risk_level: Num,
  source: Type.String(),
  computed_at: Type.String({ format: 'date-time' }),
});

export function recommendationsView(
  r: Recommendations,
  { thresholdPct, risk, at }: { thresholdPct: number; risk: number; at: number },
): Static<typeof RecommendationsView> {
  return {
    ...r,
    threshold_pct: thresholdPct,
    risk_level: risk,
    source: 'vigil capacity forecasts',
    computed_at: toIso(at),
  };
}
