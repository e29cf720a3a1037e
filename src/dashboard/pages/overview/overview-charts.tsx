import { formatNumber } from '../../lib/format.ts';
import { useSeries } from '../../lib/series.ts';
import { alignSeries } from '../../lib/series-columns.ts';
import { TimeChart } from '../../lib/time-chart.tsx';

/**
 * The ranges the overview's charts offer, as the `range` of its address. The last hour by
 * default: a network started minutes ago (as `vigil up`'s is) has its readings spread over
 * 120 points, not squeezed into the last few of six hours.
 */
export const CHART_RANGES = [
  { range: '15m', hours: 0.25, label: 'last 15 minutes' },
  { range: '1h', hours: 1, label: 'last hour' },
  { range: '6h', hours: 6, label: 'last 6 hours' },
  { range: '24h', hours: 24, label: 'last 24 hours' },
  { range: '7d', hours: 168, label: 'last 7 days' },
] as const;
export type ChartRange = (typeof CHART_RANGES)[number];

/** The range an address names, the default for none or one this page does not offer. */
export function chartRange(name: string | null): ChartRange {
  return CHART_RANGES.find((r) => r.range === (name ?? '1h')) ?? CHART_RANGES[1];
}

const POINTS = 120;
const optionsFor = (r: ChartRange) => ({
  hours: r.hours,
  points: POINTS,
  intervalMs: r.hours <= 1 ? 15_000 : 30_000,
});
const count = (v: number) => formatNumber(v, 1);

/** Slots, busy and queued over the range (capacity snapshots, GET /series). */
export function CapacityChart({ range }: { range: ChartRange }) {
  const opts = optionsFor(range);
  const slots = useSeries('fleet.slots', {}, opts);
  const busy = useSeries('fleet.busy', {}, opts);
  const queued = useSeries('fleet.queued', {}, opts);
  const { x, columns } = alignSeries([slots.data, busy.data, queued.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Slots, busy and queued, ${range.label}`}
      x={x}
      series={[
        { label: 'slots', values: columns[0] ?? [] },
        { label: 'busy', values: columns[1] ?? [] },
        { label: 'queued', values: columns[2] ?? [] },
      ]}
      format={count}
    />
  );
}

/** Open violations at each collection. */
export function ViolationsChart({ range }: { range: ChartRange }) {
  const opts = optionsFor(range);
  const open = useSeries('fleet.violations_open', {}, opts);
  const { x, columns } = alignSeries([open.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Open violations, ${range.label}`}
      x={x}
      series={[{ label: 'open', values: columns[0] ?? [] }]}
      format={count}
    />
  );
}

/** Jobs submitted and finished per minute, by how they ended. */
export function JobsChart({ range }: { range: ChartRange }) {
  const opts = optionsFor(range);
  const submitted = useSeries('jobs.submitted', {}, opts);
  const succeeded = useSeries('jobs.finished', { status: 'succeeded' }, opts);
  const dead = useSeries('jobs.finished', { status: 'dead' }, opts);
  const cancelled = useSeries('jobs.finished', { status: 'cancelled' }, opts);
  const { x, columns } = alignSeries([submitted.data, succeeded.data, dead.data, cancelled.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Jobs per minute, ${range.label}`}
      x={x}
      series={[
        { label: 'submitted', values: columns[0] ?? [] },
        { label: 'succeeded', values: columns[1] ?? [] },
        { label: 'dead', values: columns[2] ?? [] },
        { label: 'cancelled', values: columns[3] ?? [] },
      ]}
      format={count}
    />
  );
}

/** One topic's ready and leased jobs over time. */
export function TopicQueueChart({ topic, range }: { topic: string; range: ChartRange }) {
  const opts = optionsFor(range);
  const ready = useSeries('topic.ready', { topic }, opts);
  const leased = useSeries('topic.leased', { topic }, opts);
  const { x, columns } = alignSeries([ready.data, leased.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Queue of ${topic}, ${range.label}`}
      x={x}
      series={[
        { label: 'ready', values: columns[0] ?? [] },
        { label: 'leased', values: columns[1] ?? [] },
      ]}
      height={120}
      format={count}
    />
  );
}
