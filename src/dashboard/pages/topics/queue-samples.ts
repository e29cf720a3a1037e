/**
 * A topic's queue over time as chart columns, from GET /series (the coordinator's samples,
 * downsampled) and from the figures the page itself polled since it opened. Pure, so tested
 * without a browser.
 */

/** The queue series GET /series keeps for a topic. */
export const QUEUE_SERIES = ['topic.ready', 'topic.leased', 'topic.oldest_age_s'] as const;
export type QueueSeriesName = (typeof QUEUE_SERIES)[number];

/** GET /series?name=…&topic=…: buckets of `t` (UTC ms) with their mean or last `value`. */
export interface SeriesAnswer {
  name: string;
  topic?: string;
  from: number | string;
  to: number | string;
  points: Array<{ t: number; value: number; min: number; max: number; count: number }>;
}

/** One reading of a topic's queue. */
export interface QueueSample {
  t: number;
  ready: number;
  leased: number;
  oldest_age_s: number;
}

/** Chart columns: times (UTC ms, ascending) and a value or null per time for each series. */
export interface QueueColumns {
  x: number[];
  ready: (number | null)[];
  leased: (number | null)[];
  oldest_age_s: (number | null)[];
}

/** How much a page keeps of what it polled itself: an hour, at most this many readings. */
export const LIVE_KEEP_MS = 3_600_000;
export const LIVE_KEEP_COUNT = 1_000;

/** `samples` with `sample` added, in time order, without readings older than the window. */
export function appendSample(
  samples: readonly QueueSample[],
  sample: QueueSample,
  { keepMs = LIVE_KEEP_MS, keepCount = LIVE_KEEP_COUNT } = {},
): QueueSample[] {
  const last = samples[samples.length - 1];
  if (last !== undefined && sample.t <= last.t) return [...samples];
  const kept = samples.filter((s) => s.t >= sample.t - keepMs);
  kept.push(sample);
  return kept.slice(-keepCount);
}

/** The three series of GET /series lined up on the union of their times. */
export function columnsFromSeries(answers: Partial<Record<QueueSeriesName, SeriesAnswer>>): QueueColumns {
  const times = new Set<number>();
  for (const name of QUEUE_SERIES) for (const p of answers[name]?.points ?? []) times.add(p.t);
  const x = [...times].sort((a, b) => a - b);
  const column = (name: QueueSeriesName) => {
    const byT = new Map((answers[name]?.points ?? []).map((p) => [p.t, p.value]));
    return x.map((t) => byT.get(t) ?? null);
  };
  return {
    x,
    ready: column('topic.ready'),
    leased: column('topic.leased'),
    oldest_age_s: column('topic.oldest_age_s'),
  };
}

/** `columns` followed by the page's own readings newer than its last time. */
export function withLiveSamples(columns: QueueColumns, samples: readonly QueueSample[]): QueueColumns {
  const after = columns.x[columns.x.length - 1] ?? Number.NEGATIVE_INFINITY;
  const newer = samples.filter((s) => s.t > after);
  return {
    x: [...columns.x, ...newer.map((s) => s.t)],
    ready: [...columns.ready, ...newer.map((s) => s.ready)],
    leased: [...columns.leased, ...newer.map((s) => s.leased)],
    oldest_age_s: [...columns.oldest_age_s, ...newer.map((s) => s.oldest_age_s)],
  };
}
