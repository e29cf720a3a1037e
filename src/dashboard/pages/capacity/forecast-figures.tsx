import { Figure, Figures } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatNumber, formatPercent, formatTime } from '../../lib/format.ts';
import {
  type Accuracy,
  type CapacityForecast,
  modelName,
  moreHoursText,
  scopeName,
  seasonText,
} from './model.ts';

const slots = (v: number | null | undefined) => formatNumber(v, 1);
/** A share of 0–1 as a percentage. */
const share = (v: number | null | undefined) => formatPercent(v === null || v === undefined ? v : 100 * v, 0);

/** The seed's figures (live, projected, the change, how sure) and when demand is expected to pass the slots. */
export function SeedFigures({ forecast: f }: { forecast: CapacityForecast }) {
  return (
    <Figures label={`Capacity of ${scopeName(f.topic)}`}>
      <Figure label="Live slots" value={slots(f.current_capacity)} />
      <Figure label="Utilization now" value={formatPercent(f.utilization_pct, 1)} />
      {f.status === 'forecast' && <ForecastFigures forecast={f} />}
    </Figures>
  );
}

function ForecastFigures({ forecast: f }: { forecast: CapacityForecast }) {
  const up = f.recommended_scaling?.startsWith('+') ?? false;
  return (
    <>
      {/* Not labelled with the horizon asked for: below the configured one, the coordinator's
          outlook (projected, peak, crossings) still covers the configured one. */}
      <Figure label="Projected slots" value={slots(f.projected_capacity)} />
      <Figure
        label="Recommended scaling"
        value={f.recommended_scaling ?? '—'}
        tone={up ? 'warn' : undefined}
      />
      <Figure label="Confidence" value={share(f.confidence)} />
      {f.peak !== null && (
        <Figure label="Peak" value={`${slots(f.peak.value)} (up to ${slots(f.peak.upper)})`} />
      )}
      <Figure
        label={`Passes ${f.threshold_pct} % at`}
        value={
          f.crosses_threshold_at === null ? 'not within the horizon' : formatTime(f.crosses_threshold_at)
        }
        tone={f.crosses_threshold_at === null ? undefined : 'warn'}
      />
      <Figure
        label="Passes the live slots at"
        value={
          f.demand_exceeds_supply_at === null
            ? 'not within the horizon'
            : formatTime(f.demand_exceeds_supply_at)
        }
        tone={f.demand_exceeds_supply_at === null ? undefined : 'bad'}
      />
    </>
  );
}

/** Why there is no forecast yet, and how much longer the series must run before there is one. */
export function HistoryNeeded({ forecast: f }: { forecast: CapacityForecast }) {
  const needed = f.history_needed;
  if (needed === null) return null;
  const hours = (needed.have_intervals * f.interval_s) / 3600;
  return (
    <div class="notice" role="status">
      <p>
        <strong>
          No forecast for {scopeName(f.topic)} yet: it needs {moreHoursText(needed.need_hours)} of history.
        </strong>{' '}
        It has {formatNumber(needed.have_intervals)} of the {formatNumber(needed.need_intervals)} intervals a
        forecast needs ({hours < 1 ? `${formatNumber(hours * 60, 0)} min` : `${formatNumber(hours, 1)} h`}{' '}
        observed).
      </p>
      <p class="muted">{needed.reason}</p>
    </div>
  );
}

/** The model the coordinator chose and why, the seasons it used and those it dropped with their reasons. */
export function ModelFacts({ forecast: f }: { forecast: CapacityForecast }) {
  if (f.model === null) return null;
  return (
    <dl class="facts" aria-label="Forecast model">
      <dt>Model</dt>
      <dd>{modelName(f.model)}</dd>
      <dt>Why</dt>
      <dd>{f.why ?? '—'}</dd>
      <dt>Seasons</dt>
      <dd>
        {f.seasons.length === 0 ? 'none' : f.seasons.map((s) => seasonText(s, f.interval_s)).join(', ')}
      </dd>
      <dt>Dropped seasons</dt>
      <dd>
        {f.dropped_seasons.length === 0 ? (
          'none'
        ) : (
          <ul class="checks">
            {f.dropped_seasons.map((d) => (
              <li key={d.season}>
                {seasonText(d.season, f.interval_s)}: {d.reason}
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>Sized for</dt>
      <dd>
        the {formatPercent(100 * f.risk_level, 0)} interval's upper bound at {f.threshold_pct} % utilisation
      </dd>
    </dl>
  );
}

const ACCURACY_ROWS: { key: keyof Accuracy; label: string; show: (v: number | null) => string }[] = [
  { key: 'mase', label: 'MASE (below 1 beats naive)', show: (v) => formatNumber(v, 2) },
  { key: 'smape', label: 'sMAPE', show: (v) => formatPercent(v, 1) },
  { key: 'coverage80', label: 'Inside the 80 % interval', show: share },
  { key: 'coverage95', label: 'Inside the 95 % interval', show: share },
];

/**
 * How MSTL + AutoETS did on held-out history beside seasonal-naive on the same windows (the
 * backtest always scores both; the better one forecasts), marked with the one chosen.
 */
export function BacktestTable({ forecast: f }: { forecast: CapacityForecast }) {
  const b = f.backtest;
  if (b === null) return null;
  const caption = `Backtest: ${b.origins} held-out windows of ${b.horizon} intervals`;
  return (
    <TableScroll label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" class="num">
              {modelName('mstl_ets')}
              {b.chosen === 'mstl_ets' ? ' (chosen)' : ''}
            </th>
            <th scope="col" class="num">
              Seasonal-naive{b.chosen === 'seasonal_naive' ? ' (chosen)' : ''}
            </th>
          </tr>
        </thead>
        <tbody>
          {ACCURACY_ROWS.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              <td class="num">{row.show(b.model[row.key])}</td>
              <td class="num">{row.show(b.seasonal_naive[row.key])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
