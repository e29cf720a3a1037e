import { formatMs, formatPercent } from '../../lib/format.ts';
import { useSeries } from '../../lib/series.ts';
import { seriesColumns } from '../../lib/series-columns.ts';
import { TimeChart } from '../../lib/time-chart.tsx';

const METRICS = [
  { name: 'node.uptime_pct', title: 'Uptime', format: (v: number) => formatPercent(v, 1) },
  { name: 'node.response_time_ms', title: 'Response time', format: formatMs },
  { name: 'node.completion_rate_pct', title: 'Completion rate', format: (v: number) => formatPercent(v, 1) },
] as const;

function MetricChart({ nodeId, metric }: { nodeId: string; metric: (typeof METRICS)[number] }) {
  const series = useSeries(metric.name, { node_id: nodeId });
  const columns = seriesColumns(series.data);
  if (series.error !== undefined && series.data === undefined) {
    return <p class="error">{`${metric.title}: ${series.error.message}`}</p>;
  }
  if (columns.x.length === 0) {
    return <p>{`${metric.title}: no readings in the last 24 hours.`}</p>;
  }
  return (
    <TimeChart
      title={`${metric.title} over the last 24 hours${series.data?.threshold ? `, threshold ${metric.format(series.data.threshold.value)}` : ''}`}
      x={columns.x}
      series={[
        { label: metric.title, values: columns.values },
        {
          label: 'worst in bucket',
          values: series.data?.threshold?.direction === 'max' ? columns.max : columns.min,
          color: '#8a8f98',
        },
      ]}
      threshold={series.data?.threshold?.value ?? null}
      format={metric.format}
    />
  );
}

/** The node's SLA metrics over time, each with its threshold drawn (GET /series). */
export function MetricCharts({ nodeId }: { nodeId: string }) {
  return (
    <>
      {METRICS.map((metric) => (
        <MetricChart key={metric.name} nodeId={nodeId} metric={metric} />
      ))}
    </>
  );
}
