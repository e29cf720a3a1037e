import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AutoscalerConfig } from '../../config/autoscaler-schema.ts';
import { recommend, type ScopeOutlook } from '../../core/capacity/recommendations.ts';
import { topicScope } from '../../core/capacity/series.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, notFound } from '../errors.ts';
import { problemResponses } from '../http/schemas.ts';
import { type CapacityForecasts, type CapacitySettings, configuredSteps } from './forecasts.ts';
import { autoscaledPools, outlookOf, readLiveSupply, viewOf } from './scope-view.ts';
import { ForecastView, forecastView, RecommendationsView, recommendationsView } from './views.ts';

/** The longest horizon a request may ask for: eight weeks. */
const MAX_HOURS_AHEAD = 24 * 7 * 8;
/** The most intervals one forecast may have: a year of hourly ones, several seconds' work. */
export const MAX_FORECAST_STEPS = 24 * 365;

const ForecastQuery = Type.Object(
  {
    hours_ahead: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: MAX_HOURS_AHEAD,
        description: 'How far ahead, in hours (fractions allowed); capacity.forecast_horizon_h by default',
      }),
    ),
    topic: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9._-]{0,63}$',
        description: 'A topic’s series; the fleet’s without one',
      }),
    ),
    history_hours: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 24 * 400,
        description:
          'How much of what happened to return beside the forecast, in hours; as much as hours_ahead by default',
      }),
    ),
  },
  { additionalProperties: false },
);

export interface CapacityRouteDeps {
  store: Store;
  /** Topics whose pools an autoscaler target sizes get recommendations about the target. */
  autoscaler: Pick<AutoscalerConfig, 'enabled' | 'targets'>;
  forecasts: CapacityForecasts;
  settings: CapacitySettings;
  now: () => number;
}

/** GET /sla/capacity/forecast and GET /sla/capacity/recommendations (docs/capacity.md). */
export function capacityForecastRoutes(app: FastifyInstance, deps: CapacityRouteDeps): void {
  const { store, forecasts, settings, autoscaler, now } = deps;
  const shared = { thresholdPct: settings.alert_threshold_pct, risk: settings.risk_level };

  app.get(
    '/sla/capacity/forecast',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary:
          'The fleet’s (or a topic’s) demand forecast in slots with 80 % and 95 % intervals, backtested against seasonal-naive, read against the live slots',
        querystring: ForecastQuery,
        response: { 200: ForecastView, ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof ForecastQuery>;
      if (q.topic !== undefined && (await getTopic(store.db, q.topic)) === undefined)
        throw notFound(`no topic ${q.topic}`);
      const hoursAhead = q.hours_ahead ?? settings.forecast_horizon_h;
      const steps = Math.max(
        configuredSteps(settings),
        configuredSteps({ forecast_horizon_h: hoursAhead, interval_s: settings.interval_s }),
      );
      if (steps > MAX_FORECAST_STEPS)
        throw badRequest(
          `hours_ahead=${hoursAhead} is ${steps} intervals of ${settings.interval_s} s; a forecast has at most ${MAX_FORECAST_STEPS}`,
        );
      const forecast = await forecasts.forecast(q.topic === undefined ? 'fleet' : topicScope(q.topic), steps);
      const live = await readLiveSupply(store, forecast);
      const asked = configuredSteps({ forecast_horizon_h: hoursAhead, interval_s: settings.interval_s });
      const historyHours = q.history_hours ?? hoursAhead;
      return forecastView(viewOf(forecast, live, asked, settings), {
        ...shared,
        hoursAhead,
        historySteps: Math.ceil((historyHours * 3600) / settings.interval_s),
      });
    },
  );

  app.get(
    '/sla/capacity/recommendations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary:
          'What to add or remove, for the fleet and each topic, from their forecasts: how many nodes, why, by when, how urgent',
        response: { 200: RecommendationsView, ...problemResponses },
      },
    },
    async () => {
      const outlooks: ScopeOutlook[] = [];
      // When the latest of the forecasts was made, not the request's time: an unchanged
      // answer keeps its ETag.
      let madeAt = 0;
      const pools = await autoscaledPools(store, autoscaler);
      for (const scope of await forecasts.scopes()) {
        const forecast = await forecasts.forecast(scope);
        madeAt = Math.max(madeAt, forecast.computed_at);
        const live = await readLiveSupply(store, forecast);
        const outlook = outlookOf(viewOf(forecast, live, configuredSteps(settings), settings));
        const pool = forecast.topic === null ? undefined : pools.get(forecast.topic);
        outlooks.push(
          outlook.kind === 'forecast' && pool !== undefined ? { ...outlook, autoscaled: pool } : outlook,
        );
      }
      return recommendationsView(recommend(outlooks, { now: now(), ...shared }), { ...shared, at: madeAt });
    },
  );
}
