import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { query } from '../../lib/api.ts';
import { formatAgo, formatDuration, formatNumber, formatPercent, formatTime } from '../../lib/format.ts';
import { TimeChart } from '../../lib/time-chart.tsx';
import { usePoll } from '../../lib/use-poll.ts';

interface SlaStatus {
  status: 'healthy' | 'degraded' | 'critical';
  active_violations: number;
  active_violations_by_severity: Record<string, number>;
  last_collection_at: string | null;
}

interface Snapshot {
  timestamp: string;
  total_nodes: number;
  live_nodes: number;
  live_parallel_capacity: number;
  busy_slots: number;
  free_slots: number;
  total_queue_length: number;
  capacity_utilization_pct: number;
}

interface Epoch {
  epoch: number;
  state: string;
  end_ms: number;
  report_window_end_ms: number;
  members: number | null;
}

interface Topic {
  name: string;
  queue: { ready: number; ready_now: number; leased: number; dead: number; oldest_ready_age_ms: number };
}

const STATUS_TONE = { healthy: 'good', degraded: 'warn', critical: 'bad' } as const;

/** The network at a glance: SLA status, violations, capacity, the epoch and the queues. */
export default function Overview() {
  const status = usePoll<SlaStatus>('/sla/status');
  const snapshots = usePoll<Snapshot[]>(`/sla/capacity/snapshots${query({ hours: 1, limit: 360 })}`, 10_000);
  const epoch = usePoll<Epoch>('/epochs/current');
  const topics = usePoll<Topic[] | { topics: Topic[] }>('/topics');

  const series = [...(snapshots.data ?? [])].reverse();
  const latest = series[series.length - 1];
  const topicList = Array.isArray(topics.data) ? topics.data : (topics.data?.topics ?? []);

  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <Panel title="SLA">
        <LoadError error={status.error} />
        {status.data && (
          <Figures label="SLA">
            <Figure label="Status" value={status.data.status} tone={STATUS_TONE[status.data.status]} />
            <Figure label="Open violations" value={formatNumber(status.data.active_violations)} />
            {Object.entries(status.data.active_violations_by_severity).map(([severity, count]) => (
              <Figure key={severity} label={`Open · ${severity}`} value={formatNumber(count)} />
            ))}
            <Figure label="Last collection" value={formatAgo(status.data.last_collection_at)} />
          </Figures>
        )}
        <p>
          <a href="#/violations">All violations</a>
        </p>
      </Panel>
      <Panel title="Capacity">
        <LoadError error={snapshots.error} />
        {latest && (
          <Figures label="Capacity">
            <Figure
              label="Live nodes"
              value={`${formatNumber(latest.live_nodes)} of ${formatNumber(latest.total_nodes)}`}
            />
            <Figure label="Slots" value={formatNumber(latest.live_parallel_capacity)} />
            <Figure label="Busy" value={formatNumber(latest.busy_slots)} />
            <Figure label="Queued" value={formatNumber(latest.total_queue_length)} />
            <Figure label="Utilization" value={formatPercent(latest.capacity_utilization_pct, 1)} />
          </Figures>
        )}
        {series.length > 1 && (
          <TimeChart
            title="Slots, busy and queued over the last hour"
            x={series.map((s) => Date.parse(s.timestamp))}
            series={[
              { label: 'slots', values: series.map((s) => s.live_parallel_capacity) },
              { label: 'busy', values: series.map((s) => s.busy_slots) },
              { label: 'queued', values: series.map((s) => s.total_queue_length) },
            ]}
            format={(v) => formatNumber(v)}
          />
        )}
      </Panel>
      <Panel title="Epoch">
        <LoadError error={epoch.error} />
        {epoch.data && (
          <Figures label="Epoch">
            <Figure label="Epoch" value={<a href={`#/epochs/${epoch.data.epoch}`}>{epoch.data.epoch}</a>} />
            <Figure label="State" value={epoch.data.state} />
            <Figure label="Members" value={formatNumber(epoch.data.members)} />
            <Figure
              label={epoch.data.state === 'open' ? 'Ends in' : 'Reports close in'}
              value={formatDuration(
                Math.max(
                  0,
                  (epoch.data.state === 'open' ? epoch.data.end_ms : epoch.data.report_window_end_ms) -
                    Date.now(),
                ),
              )}
            />
            <Figure label="Ends" value={formatTime(epoch.data.end_ms)} />
          </Figures>
        )}
      </Panel>
      <Panel title="Queues">
        <LoadError error={topics.error} />
        <table>
          <caption class="visually-hidden">Each topic's queue</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Ready</th>
              <th scope="col">Leased</th>
              <th scope="col">Dead</th>
              <th scope="col">Oldest ready</th>
            </tr>
          </thead>
          <tbody>
            {topicList.map((topic) => (
              <tr key={topic.name}>
                <th scope="row">
                  <a href={`#/topics/${encodeURIComponent(topic.name)}`}>{topic.name}</a>
                </th>
                <td>{formatNumber(topic.queue.ready)}</td>
                <td>{formatNumber(topic.queue.leased)}</td>
                <td>{formatNumber(topic.queue.dead)}</td>
                <td>{formatDuration(topic.queue.oldest_ready_age_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
    </>
  );
}
