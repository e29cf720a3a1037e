// Which seasons a series can support. MSTL's STL needs two full cycles of a season in its
// training data, and the backtest trains on the series less its held-out windows, so a
// season s is usable when the observed values number at least
//   2 × s + origins × backtest horizon,   backtest horizon = min(s, max(horizon, shortest season))
// unless the request sets the backtest horizon. The backtest looks at least one shortest
// season ahead even for a short horizon, so its figures and the intervals' calibration rest on
// enough points (3 × 48 for half-hourly data asked for 4 steps, not 3 × 4). With the default
// 3 origins, the least history for any forecast is five cycles of the shortest season.
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

/** What the backtest's horizon depends on besides the longest season used. */
export interface BacktestAsk {
  horizon: number;
  origins: number;
  /** The shortest season asked for. */
  shortest: number;
  /** The backtest horizon the request set, if it did. */
  asked: number | undefined;
}

/** The backtest horizon when `season` is the longest season used. */
export function backtestHorizonFor(season: number, ask: BacktestAsk): number {
  return ask.asked ?? Math.min(season, Math.max(ask.horizon, ask.shortest));
}

/** Observations a season needs: two cycles plus the backtest's held-out windows. */
export function needFor(season: number, ask: BacktestAsk): number {
  return 2 * season + ask.origins * backtestHorizonFor(season, ask);
}

/** Splits `seasons` (distinct, ascending) into those `have` observations support and those dropped. */
export function planSeasons(
  seasons: readonly number[],
  have: number,
  horizon: number,
  origins: number,
  asked: number | undefined,
): SeasonPlan {
  const ask: BacktestAsk = { horizon, origins, shortest: seasons[0] as number, asked };
  const kept: number[] = [];
  const dropped: SeasonPlan['dropped'] = [];
  for (const season of [...seasons].reverse()) {
    const need = needFor(season, ask);
    if (kept.length > 0 || have >= need) {
      kept.unshift(season);
      continue;
    }
    dropped.push({
      season,
      reason: `needs ${need} observations (two cycles of ${season} and a backtest of ${origins} × ${backtestHorizonFor(season, ask)}), have ${have}`,
    });
  }
  return { kept, dropped: dropped.reverse(), need: needFor(ask.shortest, ask) };
}
