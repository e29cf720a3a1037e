import { describe, expect, it } from 'vitest';
import { defaultSeasons, planSeasons } from '../../../src/core/forecast/seasons.ts';

describe('seasons', () => {
  it('defaults to daily and weekly seasons where they are whole numbers of at least 2 intervals', () => {
    expect(defaultSeasons(3600)).toEqual([24, 168]);
    expect(defaultSeasons(1800)).toEqual([48, 336]);
    expect(defaultSeasons(300)).toEqual([288, 2016]);
    expect(defaultSeasons(86_400)).toEqual([7]);
    expect(defaultSeasons(7 * 86_400)).toEqual([]);
    expect(defaultSeasons(7)).toEqual([86_400]); // 86400/7 is not whole, 604800/7 is
    expect(defaultSeasons(13)).toEqual([]);
  });

  it('drops a season the history cannot support, longest first, and says why', () => {
    // weekly needs 2·168 + 3·min(48, 168) = 480; daily needs 2·24 + 3·24 = 120
    const plan = planSeasons([24, 168], 300, 48, 3, undefined);
    expect(plan.kept).toEqual([24]);
    expect(plan.dropped).toEqual([
      {
        season: 168,
        reason: 'needs 480 observations (two cycles of 168 and a backtest of 3 × 48), have 300',
      },
    ]);
    expect(plan.need).toBe(120);
    expect(planSeasons([24, 168], 480, 48, 3, undefined).kept).toEqual([24, 168]);
    expect(planSeasons([24, 168], 119, 48, 3, undefined).kept).toEqual([]);
  });
});

describe('the least history', () => {
  it('is five cycles of the shortest season with the default backtest, however short the horizon', () => {
    // the backtest looks a whole shortest season ahead: 2·48 + 3·max(4, 48)
    expect(planSeasons([48, 336], 239, 4, 3, undefined)).toMatchObject({ kept: [], need: 240 });
    expect(planSeasons([48, 336], 240, 4, 3, undefined).kept).toEqual([48]);
    // a backtest horizon the request sets is used as it is
    expect(planSeasons([48], 0, 4, 2, 10).need).toBe(2 * 48 + 2 * 10);
  });
});
