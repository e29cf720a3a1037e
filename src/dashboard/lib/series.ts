import { query } from './api.ts';
import type { Series } from './series-columns.ts';
import { usePoll } from './use-poll.ts';

/**
 * A server-side downsampled series, kept live: the server sends at most `points` buckets
 * (each with mean or last, min and max), so a week of readings costs a few hundred points.
 */
export function useSeries(
  name: string,
  scope: { node_id?: string; topic?: string; status?: string },
  {
    hours = 24,
    points = 300,
    intervalMs = 15_000,
  }: { hours?: number; points?: number; intervalMs?: number } = {},
) {
  return usePoll<Series>(`/series${query({ name, ...scope, hours, points })}`, intervalMs);
}
