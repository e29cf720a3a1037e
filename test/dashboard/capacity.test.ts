import type { Page } from 'playwright-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  byPriority,
  type CapacityForecast,
  type CapacityRecommendations,
  type CapacitySnapshot,
  capacityQuery,
  forecastColumns,
  forecastPath,
  HORIZONS,
  horizonOf,
  moreHoursText,
  type Recommendation,
  seasonText,
} from '../../src/dashboard/pages/capacity/model.ts';
import type { operations } from '../coordinator/api/openapi-schema.gen.ts';
import { collect, get } from '../coordinator/api/support.ts';
import { seasonalDemand, seedHourlySeries } from '../coordinator/capacity/support.ts';
import { topic } from '../coordinator/jobs/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { signedIn, useDashboard } from './support.ts';

type Served<Op extends keyof operations> = operations[Op] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

const HOUR_MS = 3_600_000;

describe('dashboard: capacity forecasts shaped for the page', () => {
  it('reads the API as its OpenAPI document describes it', () => {
    expectTypeOf<Served<'getSlaCapacityForecast'>>().toExtend<CapacityForecast>();
    expectTypeOf<Served<'getSlaCapacityRecommendations'>>().toExtend<CapacityRecommendations>();
    expectTypeOf<Served<'getSlaCapacitySnapshots'>[number]>().toExtend<CapacitySnapshot>();
    type ForecastQuery = NonNullable<operations['getSlaCapacityForecast']['parameters']['query']>;
    const known: Record<keyof ForecastQuery, true> = { hours_ahead: true, topic: true, history_hours: true };
    for (const horizon of HORIZONS)
      for (const name of new URL(forecastPath('render', horizon), 'http://x').searchParams.keys())
        expect(known).toHaveProperty(name);
  });

  it('keeps the scope and horizon in the address, the configured horizon and the fleet by default', () => {
    expect(horizonOf(null).hours).toBeNull();
    expect(horizonOf('nonsense').horizon).toBe('configured');
    expect(horizonOf('14d').hours).toBe(336);
    expect(capacityQuery(null, horizonOf('configured'))).toEqual({ topic: undefined, horizon: undefined });
    expect(capacityQuery(null, horizonOf('7d'))).toEqual({ topic: undefined, horizon: '7d' });
    expect(forecastPath('render', horizonOf(null))).toBe('/sla/capacity/forecast?topic=render');
    expect(capacityQuery('render', horizonOf('24h'))).toEqual({ topic: 'render', horizon: '24h' });
    expect(forecastPath(null, horizonOf('24h'))).toBe(
      '/sla/capacity/forecast?hours_ahead=24&history_hours=72',
    );
  });

  it('puts what happened and the forecast on one axis, each null on the other’s side', () => {
    const f = {
      current_capacity: 40,
      threshold_pct: 80,
      history: [{ at: '2026-11-01T00:00:00.000Z', demand: 10, busy: 9, queued: 1, supply: 40, arrivals: 0 }],
      points: [
        { at: '2026-11-01T01:00:00.000Z', value: 12, lower80: 11, upper80: 13, lower95: 10, upper95: 14 },
      ],
    } as CapacityForecast;
    const c = forecastColumns(f);
    expect(c.x).toEqual([Date.UTC(2026, 10, 1, 0), Date.UTC(2026, 10, 1, 1)]);
    expect(c.demand).toEqual([10, null]);
    expect(c.supply).toEqual([40, null]);
    expect(c.value).toEqual([null, 12]);
    expect(c.upper95).toEqual([null, 14]);
    expect([c.live, c.threshold]).toEqual([40, 32]);
  });

  it('says what an insufficient history needs and lists the most urgent first', () => {
    expect(moreHoursText(1)).toBe('1 more hour');
    expect(moreHoursText(38)).toBe('38 more hours');
    expect(moreHoursText(2.25)).toBe('2.3 more hours');
    expect(moreHoursText(0.094)).toBe('6 more minutes');
    expect(moreHoursText(0.01)).toBe('1 more minute');
    expect(seasonText(24, 3600)).toBe('24 (1 d)');
    expect(seasonText(168, 3600)).toBe('168 (7 d)');
    expect(seasonText(24, 5)).toBe('24 (2 min)');
    const r = (priority: string, by: string) => ({ priority, by }) as Recommendation;
    expect(
      byPriority([r('low', 'b'), r('critical', 'c'), r('high', 'a'), r('critical', 'a')]).map(
        (x) => `${x.priority} ${x.by}`,
      ),
    ).toEqual(['critical a', 'critical c', 'high a', 'low b']);
  });
});

const missing = chromiumMissing();

/** The text of a figure by its label ("Live slots" → "40"). */
const figure = (page: Page, label: string) =>
  page
    .locator('.figure')
    .filter({ has: page.locator('dt').getByText(label, { exact: true }) })
    .locator('dd');

describe.skipIf(missing !== null)('dashboard: the capacity page in Chromium', () => {
  // The coordinator keeps its own clock: forecasts are made per hourly interval, so the test
  // moves it an hour on to show the page a new interval's data.
  const h = useDashboard(
    (c) => {
      c.topics = [topic({ name: 'fresh' })];
    },
    {
      realClock: false,
      seed: async (api) => {
        // Ten days of a daily pattern climbing towards the fleet's 40 slots: a week's season
        // cannot be fitted yet, and the forecast passes 80 % of the slots within the week.
        await seedHourlySeries(api, {
          hours: 240,
          demand: seasonalDemand({ base: 16, rise: 0.05 }),
          supply: 40,
          nodes: 5,
        });
        await seedHourlySeries(api, {
          scope: 'topic:fresh',
          hours: 10,
          demand: () => 2,
          supply: 8,
          nodes: 1,
        });
      },
    },
  );

  it('shows the fleet’s forecast, its figures and recommendations, follows new data and the horizon, and a young topic’s wait', async () => {
    const { api } = h();
    const forecast = (
      await get(api, '/sla/capacity/forecast?hours_ahead=168&history_hours=168')
    ).json() as CapacityForecast;
    expect(forecast.status).toBe('forecast');
    expect(forecast.recommended_scaling).not.toBeNull();
    // A collection writes the fleet forecast's columns into its capacity snapshot.
    expect((await collect(api)).statusCode).toBe(200);

    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Capacity' }).click();
    await page.getByRole('heading', { name: 'Capacity', level: 1 }).waitFor();

    // The seed's figures, as the API computed them.
    await expect.poll(() => figure(page, 'Live slots').textContent()).toBe('40');
    expect(await figure(page, 'Projected slots').textContent()).toBe(String(forecast.projected_capacity));
    expect(await figure(page, 'Recommended scaling').textContent()).toBe(forecast.recommended_scaling);
    expect(await figure(page, 'Confidence').textContent()).toBe(
      `${(100 * (forecast.confidence ?? 0)).toFixed(0)} %`,
    );

    // The chart is drawn: its canvas has pixels, and its summary names the live slots.
    const chart = page.getByRole('img', { name: /^Demand of the fleet in slots, forecast 7 days ahead/ });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toContain('live slots 40; threshold 32 (80 %)');
    const painted = await chart.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let drawn = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) drawn += 1;
      return { width: canvas.width, drawn };
    });
    expect(painted.width).toBeGreaterThan(200);
    expect(painted.drawn).toBeGreaterThan(1000);

    // The model, why, and its backtest beside seasonal-naive; the week's season dropped, and why.
    const facts = page.getByRole('definition').filter({ hasText: forecast.why ?? '' });
    await facts.first().waitFor();
    await page.getByText(/^168 \(7 d\): needs \d+ observations/).waitFor();
    const backtest = page.getByRole('table', { name: /^Backtest: \d+ held-out windows/ });
    const mase = (await backtest.getByRole('row', { name: /^MASE/ }).locator('td').allTextContents()).map(
      (t) => t.trim(),
    );
    expect(mase).toEqual([
      forecast.backtest?.model.mase?.toFixed(2),
      forecast.backtest?.seasonal_naive.mase?.toFixed(2),
    ]);

    // The snapshot read the forecast against its collection's own reading (no node is live).
    const [snapshot] = (await get(api, '/sla/capacity/snapshots?hours=24&limit=1')).json() as Array<{
      forecast_capacity: number;
      recommended_scaling: string;
    }>;
    expect(snapshot?.forecast_capacity).toBe(forecast.projected_capacity);
    await page
      .getByText(`a forecast of ${snapshot?.forecast_capacity} (${snapshot?.recommended_scaling}):`, {
        exact: false,
      })
      .waitFor();

    // A recommendation row, as the API gives it.
    const recommended = (await get(api, '/sla/capacity/recommendations')).json() as CapacityRecommendations;
    const fleet = recommended.recommendations.find((r) => r.scope === 'fleet');
    expect(fleet, JSON.stringify(recommended)).toBeDefined();
    const row = page
      .getByRole('table', { name: 'Capacity recommendations, most urgent first' })
      .getByRole('row')
      .filter({ hasText: fleet?.reason ?? '' });
    await row.waitFor();
    expect((await row.locator('td').allTextContents()).slice(0, 4)).toEqual([
      fleet?.priority,
      fleet?.action.replaceAll('_', ' '),
      `${fleet?.quantity} nodes`,
      'fleet',
    ]);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Live: an hour on, the interval that began with 48 slots is read without a reload.
    api.clock.now += HOUR_MS;
    await seedHourlySeries(api, { hours: 0, demand: () => 20, supply: 48, nodes: 6 });
    await expect.poll(() => figure(page, 'Live slots').textContent(), { timeout: 10_000 }).toBe('48');

    // Another horizon is another answer, and the address keeps it.
    await page.getByRole('combobox', { name: /^Horizon/ }).selectOption('14d');
    await page.getByRole('img', { name: /^Demand of the fleet in slots, forecast 14 days ahead/ }).waitFor();
    expect(page.url()).toContain('horizon=14d');
    const fortnight = (
      await get(api, '/sla/capacity/forecast?hours_ahead=336&history_hours=336')
    ).json() as CapacityForecast;
    await expect
      .poll(() => figure(page, 'Projected slots').textContent())
      .toBe(String(fortnight.projected_capacity));

    // A topic sampled for ten hours: no forecast, and how much longer it needs.
    const fresh = (await get(api, '/sla/capacity/forecast?topic=fresh')).json() as CapacityForecast;
    expect(fresh.status).toBe('insufficient_history');
    await page.getByRole('combobox', { name: /^Scope/ }).selectOption('fresh');
    await page.getByRole('heading', { name: 'Forecast for topic fresh' }).waitFor();
    await page
      .getByRole('status')
      .getByText(
        `No forecast for topic fresh yet: it needs ${moreHoursText(fresh.history_needed?.need_hours ?? 0)} of history.`,
      )
      .waitFor();
    expect(page.url()).toContain('topic=fresh');
    expect(await page.getByRole('table', { name: /^Backtest/ }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('fits a phone-width screen in the dark scheme', async () => {
    const context = await h().browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/`);
    await page.getByLabel('API key').fill(h().api.keys.read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.goto(`${h().url}/#/capacity`);
    await page.getByRole('heading', { name: 'Capacity', level: 1 }).waitFor();
    const chart = page.getByRole('img', { name: /^Demand of the fleet in slots, forecast/ });
    await chart.waitFor();
    // Whatever the tests before it added, the page shows what the API says now.
    const now = (await get(h().api, '/sla/capacity/forecast')).json() as CapacityForecast;
    await expect.poll(() => figure(page, 'Live slots').textContent()).toBe(String(now.current_capacity));
    const recommendation = page
      .getByRole('table', { name: 'Capacity recommendations, most urgent first' })
      .locator('tbody tr')
      .first();
    await recommendation.waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    // The chart fits the screen rather than being cut off by it.
    const box = await chart.locator('canvas').boundingBox();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? Infinity)).toBeLessThanOrEqual(390);
    for (const shown of [figure(page, 'Live slots'), figure(page, 'Recommended scaling'), recommendation])
      expect(await shown.isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
