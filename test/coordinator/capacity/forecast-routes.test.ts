import { beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.ts';
import { createTestApi, type TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { topic } from '../jobs/support.ts';
import { seasonalDemand, seedHourlySeries } from './support.ts';

interface ForecastJson {
  forecast_horizon_hours: number;
  current_capacity: number;
  projected_capacity: number | null;
  recommended_scaling: string | null;
  confidence: number | null;
  source: string;
  status: string;
  model: string | null;
  why: string | null;
  seasons: number[];
  backtest: {
    model: { mase: number | null };
    seasonal_naive: { mase: number | null };
    chosen: string;
  } | null;
  history_needed: { have_intervals: number; need_intervals: number; need_hours: number } | null;
  demand_exceeds_supply_at: string | null;
  peak: { value: number; upper: number; at: string } | null;
  points: Array<{
    at: string;
    value: number;
    lower80: number;
    upper80: number;
    lower95: number;
    upper95: number;
  }>;
  history: Array<{ at: string; demand: number | null; supply: number | null }>;
}

interface RecommendationsJson {
  current_state: string;
  recommendations: Array<{
    action: string;
    quantity: number;
    reason: string;
    priority: string;
    scope: string;
    by: string;
    slots_needed: number;
  }>;
  notes: string[];
}

describeEachBackend('capacity forecast and recommendations', (backend) => {
  let api: TestApi;
  beforeEach(async () => {
    api = await createTestApi(backend, (c) => {
      c.topics = [topic({ name: 'render' }), topic({ name: 'fresh' })];
    });
    return () => api.close();
  });

  const get = async (url: string, role: 'read' | null = 'read') => {
    const res = await api.app.inject({ method: 'GET', url, headers: role === null ? {} : api.as(role) });
    return res;
  };

  it('forecasts six weeks of a daily and weekly fleet series a week ahead, with intervals, and reads it against the live slots', async () => {
    const { currentStart } = await seedHourlySeries(api, {
      hours: 24 * 42,
      demand: seasonalDemand({ base: 16, rise: 0.01 }),
      supply: 40,
      nodes: 5,
    });
    const res = await get('/sla/capacity/forecast?hours_ahead=168&history_hours=48');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as ForecastJson;
    expect(body).toMatchObject({
      forecast_horizon_hours: 168,
      current_capacity: 40,
      source: 'fleet',
      status: 'forecast',
      seasons: [24, 168],
      history_needed: null,
    });
    expect(body.points).toHaveLength(168);
    expect(body.points[0]?.at).toBe(new Date(currentStart).toISOString());
    for (const p of body.points) {
      expect(p.lower95).toBeLessThanOrEqual(p.lower80);
      expect(p.lower80).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(p.upper80);
      expect(p.upper80).toBeLessThanOrEqual(p.upper95);
    }
    // The daily swing is there: the forecast's day has a peak well above its trough.
    const day = body.points.slice(0, 24).map((p) => p.value);
    expect(Math.max(...day) - Math.min(...day)).toBeGreaterThan(6);
    expect(body.history).toHaveLength(48);
    expect(body.history.at(-1)?.at).toBe(new Date(currentStart - 3_600_000).toISOString());
    // The seed's fields, computed: slots to keep the peak's upper bound under 80 % utilisation.
    expect(body.peak).not.toBeNull();
    expect(body.projected_capacity).toBe(Math.ceil((body.peak?.upper ?? 0) / 0.8));
    const change = Math.round((100 * ((body.projected_capacity ?? 0) - 40)) / 40);
    expect(body.recommended_scaling).toBe(change === 0 ? 'none' : `${change > 0 ? '+' : ''}${change}%`);
    expect(body.confidence).toBeGreaterThan(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    expect(body.backtest?.chosen).toBe(body.model);
    // Demand stays under the 40 live slots.
    expect(body.demand_exceeds_supply_at).toBeNull();

    // The forecast's figures are on /metrics.
    const metrics = (await get('/metrics')).body;
    const peak = Math.max(...body.points.map((p) => p.value));
    expect(metrics).toContain(`vigil_capacity_forecast_peak_slots{scope="fleet",level="point"} ${peak}`);
    expect(metrics).toContain(
      `vigil_capacity_forecast_mase{scope="fleet",model="seasonal_naive"} ${body.backtest?.seasonal_naive.mase}`,
    );
    expect(metrics).toContain('vigil_capacity_history_intervals{scope="fleet"} 1008');

    // The next collection's capacity snapshot carries the seed's forecast columns, filled: the
    // fleet's forecast read against that collection's own reading, where no node is live.
    const collected = await api.app.inject({
      method: 'POST',
      url: '/sla/metrics/collect',
      headers: api.as('operator'),
    });
    expect(collected.statusCode, collected.body).toBe(200);
    const [snapshot] = (await get('/sla/capacity/snapshots')).json() as Array<Record<string, unknown>>;
    expect(snapshot).toMatchObject({
      live_parallel_capacity: 0,
      forecast_capacity: body.projected_capacity,
      recommended_scaling: `+${body.projected_capacity} slots`,
      scaling_reason: expect.stringContaining('of the 0 live slots'),
    });
  });

  it('says how much history a new topic needs instead of inventing a number', async () => {
    await seedHourlySeries(api, { scope: 'topic:fresh', hours: 30, demand: () => 3, supply: 8, nodes: 1 });
    const res = await get('/sla/capacity/forecast?topic=fresh');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as ForecastJson;
    expect(body).toMatchObject({
      status: 'insufficient_history',
      source: 'topic:fresh',
      projected_capacity: null,
      recommended_scaling: null,
      confidence: null,
      points: [],
    });
    expect(body.history_needed?.have_intervals).toBe(30);
    expect(body.history_needed?.need_intervals).toBeGreaterThan(30);
    expect(body.history_needed?.need_hours).toBe((body.history_needed?.need_intervals ?? 0) - 30);

    // A topic never sampled: nothing observed.
    const never = (await get('/sla/capacity/forecast?topic=render')).json() as ForecastJson;
    expect(never.status).toBe('insufficient_history');
    expect(never.history_needed?.have_intervals).toBe(0);
  });

  it('recommends nodes for a scope whose forecast needs more slots than are live, with the evidence and the date', async () => {
    // Render's demand climbs towards its 24 slots (3 nodes of 8): it must pass 80 % within the week.
    await seedHourlySeries(api, {
      scope: 'topic:render',
      hours: 24 * 21,
      demand: seasonalDemand({ base: 8, rise: 0.02 }),
      supply: 24,
      nodes: 3,
    });
    await seedHourlySeries(api, {
      hours: 24 * 21,
      demand: seasonalDemand({ base: 10, rise: 0 }),
      supply: 64,
      nodes: 8,
    });
    await seedHourlySeries(api, { scope: 'topic:fresh', hours: 10, demand: () => 1, supply: 8, nodes: 1 });
    const res = await get('/sla/capacity/recommendations');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as RecommendationsJson;
    const render = body.recommendations.find((r) => r.scope === 'topic:render');
    expect(render, JSON.stringify(body)).toBeDefined();
    const forecast = (await get('/sla/capacity/forecast?topic=render')).json() as ForecastJson;
    const missing = (forecast.projected_capacity ?? 0) - 24;
    expect(missing).toBeGreaterThan(0);
    expect(render).toMatchObject({
      action: 'add_nodes',
      quantity: Math.ceil(missing / 8),
      slots_needed: missing,
    });
    expect(render?.reason).toContain('topic render');
    expect(render?.reason).toMatch(/\d{4}-\d\d-\d\dT/);
    expect(['critical', 'high', 'medium', 'low']).toContain(render?.priority);
    expect(body.current_state).not.toBe('healthy');
    // The fleet has room to spare all week: a whole node or more could go.
    const fleet = body.recommendations.find((r) => r.scope === 'fleet');
    expect(fleet).toMatchObject({ action: 'remove_nodes', priority: 'low' });
    expect(fleet?.quantity).toBeGreaterThanOrEqual(1);
    expect(body.notes.some((n) => n.startsWith('topic fresh:'))).toBe(true);
  });

  it('raises a forecast capacity alert from the fleet’s own forecast when demand will pass the threshold', async () => {
    // Demand climbs towards the 24 live slots: its daily peaks pass 80 % (19.2) within the week.
    const { currentStart } = await seedHourlySeries(api, {
      hours: 24 * 21,
      demand: seasonalDemand({ base: 8, rise: 0.015 }),
      supply: 24,
      nodes: 3,
    });
    const forecast = (await get('/sla/capacity/forecast')).json() as ForecastJson & {
      crosses_threshold_at: string | null;
    };
    expect(forecast.crosses_threshold_at).not.toBeNull();
    const collected = await api.app.inject({
      method: 'POST',
      url: '/sla/metrics/collect',
      headers: api.as('operator'),
    });
    expect(collected.statusCode, collected.body).toBe(200);
    const alerts = (await get('/sla/capacity/alerts')).json() as Array<{
      alert: string;
      forecast_at: string | null;
    }>;
    const breach = alerts.find((a) => a.alert === 'capacity_forecast_breach');
    expect(breach, JSON.stringify(alerts)).toBeDefined();
    expect(Date.parse(breach?.forecast_at ?? '')).toBeGreaterThanOrEqual(currentStart);
  });

  it('recommends raising an autoscaler target’s maximum, not nodes, for the pool it sizes', async () => {
    const scaled = await createTestApi(backend, (c) => {
      c.topics = [topic({ name: 'render' })];
      c.autoscaler = configSchema.parse({
        autoscaler: {
          enabled: true,
          targets: [
            {
              name: 'render-pool',
              topic: 'render',
              concurrency: 4,
              max_replicas: 2,
              deployer: { kind: 'process' },
              policies: [{ kind: 'backlog', deadline_s: 60, service_s: 1 }],
            },
          ],
        },
      }).autoscaler;
    });
    try {
      await seedHourlySeries(scaled, {
        scope: 'topic:render',
        hours: 24 * 21,
        demand: seasonalDemand({ base: 8, rise: 0.02 }),
        supply: 8,
        nodes: 2,
      });
      const res = await scaled.app.inject({
        method: 'GET',
        url: '/sla/capacity/recommendations',
        headers: scaled.as('read'),
      });
      expect(res.statusCode, res.body).toBe(200);
      const [first] = (res.json() as RecommendationsJson).recommendations;
      expect(first).toMatchObject({ action: 'raise_max_replicas', scope: 'topic:render' });
      expect(first?.reason).toContain('autoscaler target render-pool may run at most 2');
    } finally {
      await scaled.close();
    }
  });

  describe('bad queries', () => {
    it('answers 400 problem+json for each bad parameter', async () => {
      for (const query of [
        'hours_ahead=0',
        'hours_ahead=-5',
        'hours_ahead=1345',
        'hours_ahead=NaN',
        'hours_ahead=abc',
        'hours_ahead=100000',
        'history_hours=-1',
        'topic=Not%20A%20Topic',
        'topic=',
        'unknown=1',
      ]) {
        const res = await get(`/sla/capacity/forecast?${query}`);
        expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
        expect(res.headers['content-type'], query).toContain('application/problem+json');
      }
    });

    it('answers 404 for a topic that does not exist, and 401 without a key', async () => {
      expect((await get('/sla/capacity/forecast?topic=nope')).statusCode).toBe(404);
      const anonymous = await get('/sla/capacity/recommendations', null);
      expect([200, 401]).toContain(anonymous.statusCode);
      if (api.config.auth.require_key_for_reads) expect(anonymous.statusCode).toBe(401);
    });
  });
});
