// Which seasons a series can support. MSTL's STL needs two full cycles of a season in its
// training data, and the backtest trains on the series less its held-out windows, so a
// season s is usable when the observed values number at least
//   2 × s + origins × backtest horizon,   backtest horizon = min(horizon, s) unless asked.
// A longer season is dropped (with that sum as its reason) before a shorter one; once the
// longest usable season passes, every shorter one passes too.

const DAY_S = 86_400;
const WEEK_S = 604_800;

/** Daily and weekly seasons in intervals of `interval_s` seconds, where each is a whole number ≥ 2. */
export function defaultSeasons(interval_s: number): number[] {
  return [DAY_S / interval_s, WEEK_S / interval_s].filter((s) => Number.isInteger(s) && s >= 2);
}

export interface SeasonPlan {
  /** The seasons used, ascending. */
  kept: number[];
  dropped: { season: number; reason: string }[];
  /** Observations the shortest season needs: the minimum for any forecast. */
  need: number;
}

/** The backtest horizon for a longest season of `season`: the request's, else min(horizon, season). */
export function backtestHorizonFor(season: number, horizon: number, asked: number | undefined): number {
  return asked ?? Math.min(horizon, season);
}

/** Observations a season needs: two cycles plus the backtest's held-out windows. */
export function needFor(season: number, horizon: number, origins: number, asked: number | undefined): number {
  return 2 * season + origins * backtestHorizonFor(season, horizon, asked);
}

/** Splits `seasons` (distinct, ascending) into those `have` observations support and those dropped. */
export function planSeasons(
  seasons: readonly number[],
  have: number,
  horizon: number,
  origins: number,
  asked: number | undefined,
): SeasonPlan {
  const kept: number[] = [];
  const dropped: SeasonPlan['dropped'] = [];
  for (const season of [...seasons].reverse()) {
    const need = needFor(season, horizon, origins, asked);
    if (kept.length > 0 || have >= need) {
      kept.unshift(season);
      continue;
    }
    const held = backtestHorizonFor(season, horizon, asked);
    dropped.push({
      season,
      reason: `needs ${need} observations (two cycles of ${season} and a backtest of ${origins} × ${held}), have ${have}`,
    });
  }
  return { kept, dropped: dropped.reverse(), need: needFor(seasons[0] as number, horizon, origins, asked) };
}
