import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatAgo, formatDuration, formatNumber, formatPercent } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href, navigate } from '../../shell/router.ts';
import {
  CapacityChart,
  CHART_RANGES,
  chartRange,
  JobsChart,
  TopicQueueChart,
  ViolationsChart,
} from './overview-charts.tsx';
import type { EpochSummary, FleetSummary } from './summary.ts';

const STATUS_TONE = { healthy: 'good', degraded: 'warn', critical: 'bad' } as const;

function EpochFigures({ label, e }: { label: string; e: EpochSummary }) {
  return (
    <Figures label={label}>
      <Figure label={label} value={<a href={href(`/epochs/${e.epoch}`)}>{e.epoch}</a>} />
      <Figure label="State" value={e.state} />
      <Figure label="Members" value={formatNumber(e.members)} />
      <Figure
        label="Reports"
        value={`${formatNumber(e.reports_received)} of ${formatNumber(e.reports_expected)}`}
      />
      {e.state === 'open' && <Figure label="Ends in" value={formatDuration(e.time_left_s * 1000)} />}
      {e.state === 'reporting' && (
        <Figure label="Reports close in" value={formatDuration(e.report_window_left_s * 1000)} />
      )}
    </Figures>
  );
}

/**
 * The network at a glance (GET /fleet/summary, one read per poll): SLA status and open
 * violations, capacity, the epoch in progress and the one reporting, each topic's queue and
 * the jobs per minute, each with its recent history (GET /series).
 */
export default function Overview({ query }: PageProps) {
  const summary = usePoll<FleetSummary>('/fleet/summary');
  const range = chartRange(query.get('range'));
  const s = summary.data;
  const topics = s?.topics ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <label>
          Charts
          <select
            value={range.range}
            onChange={(event) =>
              navigate(href('/', { range: (event.target as HTMLSelectElement).value }), { replace: true })
            }
          >
            {CHART_RANGES.map((r) => (
              <option key={r.range} value={r.range}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <LoadError error={summary.error} />
      <Panel title="SLA">
        {s && (
          <Figures label="SLA">
            <Figure label="Status" value={s.sla.status} tone={STATUS_TONE[s.sla.status]} />
            <Figure
              label="Open violations"
              value={
                <a href={href('/violations', { status: 'open' })}>{formatNumber(s.sla.open_violations)}</a>
              }
            />
            {Object.entries(s.sla.open_by_severity).map(([severity, n]) => (
              <Figure key={severity} label={`Open · ${severity}`} value={formatNumber(n)} />
            ))}
            <Figure label="Last collection" value={formatAgo(s.sla.last_collection_at)} />
          </Figures>
        )}
        <ViolationsChart range={range} />
      </Panel>
      <Panel title="Capacity">
        {s?.capacity && (
          <Figures label="Capacity">
            <Figure
              label="Live nodes"
              value={`${formatNumber(s.capacity.live_nodes)} of ${formatNumber(s.capacity.total_nodes)}`}
            />
            <Figure label="Slots" value={formatNumber(s.capacity.live_parallel_capacity)} />
            <Figure label="Busy" value={formatNumber(s.capacity.busy_slots)} />
            <Figure label="Queued" value={formatNumber(s.capacity.total_queue_length)} />
            <Figure label="Utilization" value={formatPercent(s.capacity.capacity_utilization_pct, 1)} />
          </Figures>
        )}
        {s && s.capacity === null && <p>No capacity measured yet: it comes with the first SLA collection.</p>}
        <CapacityChart range={range} />
      </Panel>
      <Panel title="Epoch">
        {s?.epoch && <EpochFigures label="Epoch" e={s.epoch} />}
        {s?.previous_epoch && <EpochFigures label="Previous epoch" e={s.previous_epoch} />}
        {s && s.epoch === null && <p>No epoch yet.</p>}
      </Panel>
      <Panel title="Jobs">
        {s && (
          <Figures label="Jobs per minute">
            {Object.entries(s.jobs.per_minute).map(([status, n]) => (
              <Figure
                key={status}
                label={`${status.replaceAll('_', ' ')} / min`}
                value={formatNumber(n, 1)}
              />
            ))}
          </Figures>
        )}
        <JobsChart range={range} />
      </Panel>
      <Panel title="Queues">
        <TableScroll label="Queues by topic">
          <table>
            <caption class="visually-hidden">Each topic's queue</caption>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col" class="num">
                  Ready
                </th>
                <th scope="col" class="num">
                  Leased
                </th>
                <th scope="col" class="num">
                  Dead
                </th>
                <th scope="col">Oldest ready</th>
              </tr>
            </thead>
            <tbody>
              {topics.map((topic) => (
                <tr key={topic.name}>
                  <th scope="row">
                    <a href={href(`/topics/${encodeURIComponent(topic.name)}`)}>{topic.name}</a>
                  </th>
                  <td class="num">{formatNumber(topic.ready)}</td>
                  <td class="num">{formatNumber(topic.leased)}</td>
                  <td class="num">{formatNumber(topic.dead)}</td>
                  <td>{formatDuration(topic.oldest_ready_age_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
        <div class="chart-grid">
          {topics.map((topic) => (
            <TopicQueueChart key={topic.name} topic={topic.name} range={range} />
          ))}
        </div>
      </Panel>
    </>
  );
}
