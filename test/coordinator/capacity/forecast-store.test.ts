import { beforeEach, expect, it } from 'vitest';
import { createForecastThread } from '../../../src/coordinator/capacity/forecast-thread.ts';
import { createCapacityForecasts, type ForecastRunner } from '../../../src/coordinator/capacity/forecasts.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { createTestApi, type TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { seasonalDemand, seedHourlySeries } from './support.ts';

const HOUR_MS = 3_600_000;

/** The real engine on its thread, counting the forecasts it is asked to make. */
function countingRunner(): ForecastRunner & { runs: number } {
  const thread = createForecastThread();
  const runner = {
    runs: 0,
    run: (...args: Parameters<ForecastRunner['run']>) => {
      runner.runs++;
      return thread.run(...args);
    },
    close: () => thread.close(),
  };
  return runner;
}

describeEachBackend('capacity forecasts kept in the store', (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await createTestApi(backend);
    return () => api.close();
  });

  const forecastsOver = (runner: ForecastRunner) =>
    createCapacityForecasts({
      store: api.store,
      settings: api.config.capacity,
      runner,
      now: () => api.clock.now,
      log: silentLogger,
    });

  it('a restarted coordinator takes the forecast made for the same request, and makes a new one when the history moves on', async () => {
    await seedHourlySeries(api, {
      hours: 24 * 21,
      demand: seasonalDemand({ base: 10, rise: 0 }),
      supply: 40,
      nodes: 5,
    });
    const first = countingRunner();
    const before = await forecastsOver(first).forecast('fleet');
    expect(before.answer.kind).toBe('forecast');
    expect(first.runs).toBe(1);
    await first.close();

    // Another process on the same store, in the same interval: the stored answer, not a new fit.
    const second = countingRunner();
    const restarted = forecastsOver(second);
    const after = await restarted.forecast('fleet');
    expect(second.runs).toBe(0);
    expect(after.answer).toEqual(before.answer);
    expect(after.computed_at).toBe(before.computed_at);
    // Another horizon is another request.
    await restarted.forecast('fleet', 12);
    expect(second.runs).toBe(1);

    // The interval ends and a new one is complete: the request changed, so it is made again.
    api.clock.now += HOUR_MS;
    const next = await restarted.forecast('fleet');
    expect(second.runs).toBe(2);
    expect(next.first_at).toBe(before.first_at + HOUR_MS);
    expect(next.computed_at).toBe(api.clock.now);
    await second.close();
  });
});
