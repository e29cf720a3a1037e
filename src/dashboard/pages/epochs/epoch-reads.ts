import { ApiError, getJson } from '../../lib/api.ts';

/** `GET /epochs/{n}` (public). */
export interface EpochView {
  epoch: number;
  start: string;
  end: string;
  end_ms: number;
  report_window_end: string;
  report_window_end_ms: number;
  state: 'open' | 'reporting' | 'settling' | 'settled';
  seed: string | null;
  previous_settlement_hash: string | null;
  members: number | null;
  group_size: number | null;
  settlement_hash: string | null;
}

/**
 * The newest `count` epochs this coordinator recorded, newest first: the current one and
 * those before it, each read with `GET /epochs/{n}` (one small public read apiece); an epoch
 * from before the first recorded one is a 404 and ends the list.
 */
export async function recentEpochs(count: number): Promise<EpochView[]> {
  const current = await getJson<EpochView>('/epochs/current');
  const numbers = Array.from(
    { length: Math.min(count, current.epoch + 1) },
    (_, i) => current.epoch - i,
  ).slice(1);
  const older = await Promise.all(
    numbers.map((n) =>
      getJson<EpochView>(`/epochs/${n}`).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    ),
  );
  const list = [current];
  for (const epoch of older) {
    if (epoch === null) break;
    list.push(epoch);
  }
  return list;
}
