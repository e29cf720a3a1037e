import { LoadError, Panel } from '../../components/figures.tsx';
import { formatNumber, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { canOperate, type PageProps } from '../../shell/page.ts';
import { href, navigate } from '../../shell/router.ts';
import { AlertSettingsPanel } from './alert-settings.tsx';
import { AlertsPanel } from './alerts-panel.tsx';
import { ForecastChart } from './forecast-chart.tsx';
import { BacktestTable, HistoryNeeded, ModelFacts, SeedFigures } from './forecast-figures.tsx';
import {
  type CapacityForecast,
  type CapacityRecommendations,
  type CapacitySnapshot,
  capacityQuery,
  forecastPath,
  HORIZONS,
  type Horizon,
  horizonOf,
  horizonText,
  LATEST_SNAPSHOT_PATH,
  scopeName,
  topicOf,
} from './model.ts';
import { RecommendationsTable } from './recommendations-table.tsx';

/** The scope and horizon, as selects whose values live in the fragment's query. */
function Controls({ topic, horizon, topics }: { topic: string | null; horizon: Horizon; topics: string[] }) {
  // A topic named in the address but not (yet) listed stays selectable, so the select shows it.
  const names = topic === null || topics.includes(topic) ? topics : [topic, ...topics];
  const go = (nextTopic: string | null, nextHorizon: Horizon) =>
    navigate(href('/capacity', capacityQuery(nextTopic, nextHorizon)), { replace: true });
  const value = (event: Event) => (event.currentTarget as HTMLSelectElement).value;
  return (
    <form
      class="toolbar"
      aria-label="Capacity scope and horizon"
      onSubmit={(event) => event.preventDefault()}
    >
      <label>
        Scope
        <select value={topic ?? ''} onChange={(event) => go(value(event) || null, horizon)}>
          <option value="">The fleet</option>
          {names.map((name) => (
            <option key={name} value={name}>
              Topic {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Horizon
        <select value={horizon.horizon} onChange={(event) => go(topic, horizonOf(value(event)))}>
          {HORIZONS.map((h) => (
            <option key={h.horizon} value={h.horizon}>
              {h.label}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

/** The seed's forecast columns as the last SLA collection wrote them into its capacity snapshot. */
function LatestSnapshot() {
  const snapshots = usePoll<CapacitySnapshot[]>(LATEST_SNAPSHOT_PATH, 30_000);
  const s = snapshots.data?.[0];
  if (s === undefined) return null;
  return (
    <p class="muted">
      The last capacity snapshot ({formatTime(s.timestamp)}) recorded {formatNumber(s.live_parallel_capacity)}{' '}
      live slots, a forecast of {s.forecast_capacity === null ? 'none' : formatNumber(s.forecast_capacity)}
      {s.recommended_scaling === null ? '' : ` (${s.recommended_scaling})`}
      {s.scaling_reason === null ? '.' : `: ${s.scaling_reason}.`}
    </p>
  );
}

function ForecastPanel({ forecast: f }: { forecast: CapacityForecast }) {
  const scope = scopeName(f.topic);
  const drawable = f.history.length + f.points.length >= 2;
  const title =
    f.status === 'forecast'
      ? `Demand of ${scope} in slots, forecast ${horizonText(f.forecast_horizon_hours)} ahead, against what happened`
      : `Demand of ${scope} in slots, what happened`;
  return (
    <>
      <HistoryNeeded forecast={f} />
      <SeedFigures forecast={f} />
      {drawable && <ForecastChart forecast={f} title={title} />}
      {!drawable && <p>Nothing sampled for {scope} yet.</p>}
      <ModelFacts forecast={f} />
      <BacktestTable forecast={f} />
      {f.topic === null && <LatestSnapshot />}
    </>
  );
}

/**
 * Capacity planning: the fleet's or a topic's demand forecast with its intervals against what
 * happened and the live slots, the model and its backtest, what to add or remove, and the
 * fleet's capacity alerts with their settings, live.
 */
export default function Capacity({ query, who }: PageProps) {
  const topic = topicOf(query);
  const horizon = horizonOf(query.get('horizon'));
  const topics = usePoll<{ topics: { name: string }[] }>('/topics', 60_000);
  const forecast = usePoll<CapacityForecast>(forecastPath(topic, horizon));
  // Its answer carries the time it was asked (computed_at), so no poll of it is a 304: less often.
  const recommendations = usePoll<CapacityRecommendations>('/sla/capacity/recommendations', 15_000);
  const names = (topics.data?.topics ?? []).map((t) => t.name);

  return (
    <>
      <h1 tabIndex={-1}>Capacity</h1>
      <Controls topic={topic} horizon={horizon} topics={names} />
      <Panel title={`Forecast for ${scopeName(topic)}`} id="forecast">
        <LoadError error={forecast.error} />
        {forecast.data === undefined && forecast.loading && <p class="muted">Forecasting…</p>}
        {forecast.data !== undefined && <ForecastPanel forecast={forecast.data} />}
      </Panel>
      <Panel title="Recommendations" id="recommendations">
        <LoadError error={recommendations.error} />
        {recommendations.data !== undefined && <RecommendationsTable answer={recommendations.data} />}
      </Panel>
      <Panel title="Alerts" id="alerts">
        <AlertsPanel />
      </Panel>
      <Panel title="Alert settings" id="alert-settings">
        <AlertSettingsPanel mayChange={canOperate(who)} />
      </Panel>
    </>
  );
}
