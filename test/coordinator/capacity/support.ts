import type { TestApi } from '../../helpers/api.ts';

const HOUR_MS = 3_600_000;

/**
 * `hours` complete hourly buckets of a scope ending where the interval in progress starts
 * (`api.clock.now` floored to the hour), plus the interval in progress, written as one
 * sampling each: busy = demand(i), supply and live nodes constant.
 */
export async function seedHourlySeries(
  api: TestApi,
  {
    scope = 'fleet',
    hours,
    demand,
    supply,
    nodes,
  }: { scope?: string; hours: number; demand: (i: number) => number; supply: number; nodes: number },
): Promise<{ currentStart: number }> {
  const currentStart = Math.floor(api.clock.now / HOUR_MS) * HOUR_MS;
  const rows = [];
  for (let i = 0; i <= hours; i++) {
    const bucket_start = currentStart - (hours - i) * HOUR_MS;
    rows.push({
      scope,
      interval_s: 3600,
      bucket_start,
      samples: 1,
      busy_sum: Math.max(0, demand(i)),
      queued_sum: 0,
      supply_sum: supply,
      live_nodes_sum: nodes,
      arrivals: 0,
      work_slot_s: 0,
      last_sample_at: bucket_start,
    });
  }
  for (let i = 0; i < rows.length; i += 500)
    await api.store.db
      .insertInto('capacity_series')
      .values(rows.slice(i, i + 500))
      .execute();
  return { currentStart };
}

/** A deterministic daily and weekly pattern with a slow rise and a little seeded noise. */
export function seasonalDemand({ base, rise }: { base: number; rise: number }): (i: number) => number {
  let seed = 42;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  return (i) =>
    base + rise * i + 6 * Math.sin((2 * Math.PI * i) / 24) + 3 * Math.sin((2 * Math.PI * i) / 168) + noise();
}
