import { useEffect, useState } from 'preact/hooks';
import { ApiError, query } from '../../lib/api.ts';
import { formatDuration, formatNumber } from '../../lib/format.ts';
import { TimeChart } from '../../lib/time-chart.tsx';
import { usePoll } from '../../lib/use-poll.ts';
import {
  appendSample,
  columnsFromSeries,
  NO_COLUMNS,
  type QueueSample,
  type SeriesAnswer,
  withLiveSamples,
} from './queue-samples.ts';
import type { QueueFigures } from './types.ts';

/**
 * Whether this coordinator answers GET /series (older ones do not: 404). Learnt from the first
 * topic page that asks and kept until the dashboard is reloaded, so a coordinator without it
 * is asked once, not at every poll of every topic.
 */
let seriesRoute: 'unknown' | 'present' | 'missing' = 'unknown';

const RANGES_H = [1, 6, 24, 168] as const;
const POINTS = 120;

/**
 * A topic's queue over time: ready and leased jobs, and the age of the oldest ready one. From
 * the coordinator's samples (GET /series) when it keeps them, followed by what this page polled
 * since; from what this page polled alone when it does not.
 */
export function QueueHistory({ topic, queue }: { topic: string; queue: QueueFigures | undefined }) {
  const [route, setRoute] = useState(seriesRoute);
  const [hours, setHours] = useState<number>(1);
  const [samples, setSamples] = useState<QueueSample[]>([]);

  useEffect(() => setSamples([]), [topic]);
  useEffect(() => {
    if (queue === undefined) return;
    const sample = {
      t: Date.now(),
      ready: queue.ready,
      leased: queue.leased,
      oldest_age_s: queue.oldest_ready_age_ms / 1000,
    };
    setSamples((before) => appendSample(before, sample));
  }, [queue]);

  const path = (name: string, ask: boolean) =>
    ask ? `/series${query({ name, topic, hours, points: POINTS })}` : null;
  // The first series is the probe; the other two wait until it answered.
  const ready = usePoll<SeriesAnswer>(path('topic.ready', route !== 'missing'), 30_000);
  const leased = usePoll<SeriesAnswer>(path('topic.leased', route === 'present'), 30_000);
  const oldest = usePoll<SeriesAnswer>(path('topic.oldest_age_s', route === 'present'), 30_000);

  const answered = ready.data !== undefined;
  const missing = ready.error instanceof ApiError && ready.error.status === 404;
  useEffect(() => {
    if (route === 'unknown' && (answered || missing)) {
      seriesRoute = missing ? 'missing' : 'present';
      setRoute(seriesRoute);
    }
  }, [route, answered, missing]);

  const fromServer =
    route === 'missing'
      ? NO_COLUMNS
      : columnsFromSeries({
          'topic.ready': ready.data,
          'topic.leased': leased.data,
          'topic.oldest_age_s': oldest.data,
        });
  const columns = withLiveSamples(fromServer, samples);
  const error = [ready, leased, oldest].find((p) => p.error !== undefined && !missing)?.error;

  return (
    <>
      {route === 'missing' ? (
        <p class="muted">
          Since this page opened: this coordinator keeps no queue history (it has no GET /series), so the
          chart shows what the page has read every few seconds.
        </p>
      ) : (
        <div class="toolbar">
          <label>
            Range
            <select
              value={hours}
              onChange={(event) => setHours(Number((event.target as HTMLSelectElement).value))}
            >
              {RANGES_H.map((h) => (
                <option key={h} value={h}>
                  {h < 24 ? `Last ${h} h` : `Last ${h / 24} d`}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {error !== undefined && (
        <p class="error" role="alert">
          Queue history: {error.message}
        </p>
      )}
      {/* One reading is no line: uPlot would stretch a lone point over years of axis. */}
      {columns.x.length < 2 ? (
        <p>
          {columns.x.length === 0
            ? 'No readings yet.'
            : 'One reading so far; the chart starts with the next.'}
        </p>
      ) : (
        <>
          <TimeChart
            title="Ready and leased jobs"
            x={columns.x}
            series={[
              { label: 'ready', values: columns.ready },
              { label: 'leased', values: columns.leased },
            ]}
            format={(v) => formatNumber(v, 1)}
          />
          <TimeChart
            title="Age of the oldest ready job"
            x={columns.x}
            series={[{ label: 'oldest ready', values: columns.oldest_age_s }]}
            format={(v) => formatDuration(v * 1000)}
          />
        </>
      )}
    </>
  );
}
