/** One answer of `GET /series` (docs/api.md, Time series): a series downsampled by the server. */
export interface Series {
  name: string;
  from: string;
  to: string;
  bucket_ms: number;
  unit: string;
  bucket_value: 'mean' | 'last';
  points: { t: number; value: number; min: number; max: number; count: number }[];
  threshold?: {
    metric: string;
    direction: string;
    value: number;
    bands: { severity: string; value: number }[];
  };
}

/** A series as chart columns: times, values, and the bucket extremes. */
export function seriesColumns(series: Series | undefined): {
  x: number[];
  values: number[];
  min: number[];
  max: number[];
} {
  const points = series?.points ?? [];
  return {
    x: points.map((p) => p.t),
    values: points.map((p) => p.value),
    min: points.map((p) => p.min),
    max: points.map((p) => p.max),
  };
}

/**
 * Several series of the same range and `points` as chart columns on one time axis: their
 * buckets are aligned (multiples of one width), but a bucket without readings has no point,
 * so each series gets null where it has none.
 */
export function alignSeries(list: (Series | undefined)[]): { x: number[]; columns: (number | null)[][] } {
  const times = new Set<number>();
  for (const series of list) for (const p of series?.points ?? []) times.add(p.t);
  const x = [...times].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const columns = list.map((series) => {
    const column: (number | null)[] = x.map(() => null);
    for (const p of series?.points ?? []) column[index.get(p.t) as number] = p.value;
    return column;
  });
  return { x, columns };
}
