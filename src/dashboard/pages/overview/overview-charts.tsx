import { formatNumber } from '../../lib/format.ts';
import { alignSeries, useSeries } from '../../lib/series.ts';
import { TimeChart } from '../../lib/time-chart.tsx';

const HOURS = 6;
const POINTS = 120;
const opts = { hours: HOURS, points: POINTS, intervalMs: 30_000 };
const count = (v: number) => formatNumber(v, 1);

/** Slots, busy and queued over the last hours (capacity snapshots, GET /series). */
export function CapacityChart() {
  const slots = useSeries('fleet.slots', {}, opts);
  const busy = useSeries('fleet.busy', {}, opts);
  const queued = useSeries('fleet.queued', {}, opts);
  const { x, columns } = alignSeries([slots.data, busy.data, queued.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Slots, busy and queued, last ${HOURS} hours`}
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
export function ViolationsChart() {
  const open = useSeries('fleet.violations_open', {}, opts);
  const { x, columns } = alignSeries([open.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Open violations, last ${HOURS} hours`}
      x={x}
      series={[{ label: 'open', values: columns[0] ?? [] }]}
      format={count}
    />
  );
}

/** Jobs submitted and finished per minute, by how they ended. */
export function JobsChart() {
  const submitted = useSeries('jobs.submitted', {}, opts);
  const succeeded = useSeries('jobs.finished', { status: 'succeeded' }, opts);
  const dead = useSeries('jobs.finished', { status: 'dead' }, opts);
  const cancelled = useSeries('jobs.finished', { status: 'cancelled' }, opts);
  const { x, columns } = alignSeries([submitted.data, succeeded.data, dead.data, cancelled.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Jobs per minute, last ${HOURS} hours`}
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
export function TopicQueueChart({ topic }: { topic: string }) {
  const ready = useSeries('topic.ready', { topic }, opts);
  const leased = useSeries('topic.leased', { topic }, opts);
  const { x, columns } = alignSeries([ready.data, leased.data]);
  if (x.length < 2) return null;
  return (
    <TimeChart
      title={`Queue of ${topic}, last ${HOURS} hours`}
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
