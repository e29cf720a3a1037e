import { useEffect, useState } from 'preact/hooks';
import { query } from '../../lib/api.ts';
import { formatDuration, formatNumber } from '../../lib/format.ts';
import { TimeChart } from '../../lib/time-chart.tsx';
import { usePoll } from '../../lib/use-poll.ts';
import {
  appendSample,
  columnsFromSeries,
  type QueueSample,
  type SeriesAnswer,
  withLiveSamples,
} from './queue-samples.ts';
import type { QueueFigures } from './types.ts';

const RANGES_H = [1, 6, 24, 168] as const;
const POINTS = 120;

/**
 * A topic's queue over time: ready and leased jobs, and the age of the oldest ready one, from
 * the coordinator's samples (GET /series) followed by what this page polled since.
 */
export function QueueHistory({ topic, queue }: { topic: string; queue: QueueFigures | undefined }) {
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

  const path = (name: string) => `/series${query({ name, topic, hours, points: POINTS })}`;
  const ready = usePoll<SeriesAnswer>(path('topic.ready'), 30_000);
  const leased = usePoll<SeriesAnswer>(path('topic.leased'), 30_000);
  const oldest = usePoll<SeriesAnswer>(path('topic.oldest_age_s'), 30_000);

  const fromServer = columnsFromSeries({
    'topic.ready': ready.data,
    'topic.leased': leased.data,
    'topic.oldest_age_s': oldest.data,
  });
  const columns = withLiveSamples(fromServer, samples);
  const error = [ready, leased, oldest].find((p) => p.error !== undefined)?.error;

  return (
    <>
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
