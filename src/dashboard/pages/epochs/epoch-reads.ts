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
 * each read with `GET /epochs/{n}` (one small public read apiece), one after another, back to
 * the first the coordinator recorded (`first_recorded`, so no read is a 404 a browser would
 * log); a 404 still ends the list. Shaped as `usePoll`'s read, so the list polls like every
 * other page.
 */
export async function recentEpochs(
  newest: string,
  count: number,
  { signal }: { signal?: AbortSignal } = {},
): Promise<EpochView[]> {
  const options = signal === undefined ? {} : { signal };
  const first = await getJson<EpochView & { first_recorded?: number | null }>(newest, options);
  const list: EpochView[] = [first];
  const oldest = Math.max(0, first.first_recorded ?? 0);
  for (let n = first.epoch - 1; n >= oldest && list.length < count; n--) {
    try {
      list.push(await getJson<EpochView>(`/epochs/${n}`, options));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) break;
      throw error;
    }
  }
  return list;
}
