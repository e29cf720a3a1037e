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
 * The epoch at `newest` (`/epochs/current`) and up to `count - 1` before it, newest first,
 * each read with `GET /epochs/{n}` (one small public read apiece), one after another, so the
 * 404 of the epoch before the first recorded one is asked once and ends the list rather than a
 * batch of them. Shaped as `usePoll`'s read, so the list polls like every other page.
 */
export async function recentEpochs(
  newest: string,
  count: number,
  { signal }: { signal?: AbortSignal } = {},
): Promise<EpochView[]> {
  const options = signal === undefined ? {} : { signal };
  const list = [await getJson<EpochView>(newest, options)];
  for (let n = (list[0] as EpochView).epoch - 1; n >= 0 && list.length < count; n--) {
    try {
      list.push(await getJson<EpochView>(`/epochs/${n}`, options));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) break;
      throw error;
    }
  }
  return list;
}
