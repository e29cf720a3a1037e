import { parseArgs } from 'node:util';
import { createForecastEngine } from '../src/core/forecast/engine.ts';
import type { ForecastAnswer } from '../src/core/forecast/types.ts';
import { DEFAULT_BEHAVIOUR, DEFAULT_TOLERANCE } from '../src/core/scaling/defaults.ts';
import { forecastPeak } from '../src/core/scaling/forecast.ts';
import type { Behaviour, ForecastLevel, Policy, Reading, ScaledTarget } from '../src/core/scaling/types.ts';
import { loadMstl } from '../src/platform/augurs.ts';
import { hindsightOptimum } from './lib/autoscale-optimum.ts';
import { METRICS, type SimResult, simulate } from './lib/autoscale-sim.ts';
import { type DaysTrace, diurnalDaysTrace, type Trace, traceFrom, traces } from './lib/autoscale-traces.ts';
import { machine } from './lib/common.ts';

/**
 * `npm run bench -- autoscale [--seed 1] [--scale 1] [--trace diurnal,flash,on-off,ramp,blocks,diurnal-days]
 *   [--policy watermark,hpa,backlog,backlog+target,backlog+forecast,…] [--headroom 0] [--down-window 20]
 *   [--utilization 0.7] [--combined-utilization 0.9] [--rate-window 30] [--days 8] [--days-startup 15]`
 *
 * Issue 15: the scaling policies of `core/scaling` replayed in virtual time over five traces
 * (diurnal, a 10× flash crowd, on/off bursts, a slow ramp, per-block bursts). Per trace and
 * policy: the share of jobs finished within their deadline, replica-seconds against the
 * hindsight-optimal schedule (`lib/autoscale-optimum.ts`), and the scaling actions.
 *
 * Issue 16: the diurnal cycle over several days (`diurnal-days`), with backlog alone and with
 * the forecast policy beside it, the forecasts made by the real engine from the demand the
 * simulation measured, as the coordinator makes them (decision 0089). Its figures count the
 * days with a forecast only.
 */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      scale: { type: 'string' },
      trace: { type: 'string' },
      policy: { type: 'string' },
      headroom: { type: 'string' },
      utilization: { type: 'string' },
      'combined-utilization': { type: 'string' },
      'down-window': { type: 'string' },
      'rate-window': { type: 'string' },
      days: { type: 'string' },
      'days-startup': { type: 'string' },
    },
  });
  const days = Number(values.days ?? 8);
  const days_startup_s = values['days-startup'] === undefined ? undefined : Number(values['days-startup']);
  const seed = Number(values.seed ?? 1);
  const scale = Number(values.scale ?? 1);
  const headroom = Number(values.headroom ?? 0);
  const utilization = Number(values.utilization ?? 0.7);
  const combined_utilization = Number(values['combined-utilization'] ?? 0.9);
  const down_window_s = Number(values['down-window'] ?? 20);
  const rate_window_s = Number(values['rate-window'] ?? 30);
  const wantedTraces = values.trace?.split(',');
  const wantedPolicies = values.policy?.split(',');
  const bounds = { min_replicas: 1, max_replicas: 100 };

  console.log(
    `autoscale: seed ${seed}, scale ${scale}, backlog headroom ${headroom}, HPA utilization target ${utilization}`,
  );
  console.log(`machine: ${machine()}`);
  console.log(
    '\n  trace      policy            within deadline   replica-s   × optimal   actions   peak   reasons',
  );
  for (const trace of traces({ seed, scale })) {
    if (wantedTraces !== undefined && !wantedTraces.includes(trace.name)) continue;
    const started = performance.now();
    const optimum = hindsightOptimum(trace, bounds);
    const optimum_ms = performance.now() - started;
    console.log(
      `  ${trace.name.padEnd(10)} ${'hindsight optimum'.padEnd(17)} ${''.padStart(15)}   ` +
        `${fmt(optimum.replica_seconds).padStart(9)}   ${'1.00'.padStart(9)}` +
        `   (${trace.arrivals.length} jobs, ${trace.about}; deadline ${trace.deadline_s} s, ` +
        `start-up ${trace.startup_s} s; optimum in ${Math.round(optimum_ms)} ms)`,
    );
    for (const [name, target] of policiesFor(trace, bounds, {
      headroom,
      utilization,
      combined_utilization,
      down_window_s,
    })) {
      if (wantedPolicies !== undefined && !wantedPolicies.includes(name)) continue;
      const r = simulate(trace, target, { rate_window_s });
      printRow(trace.name, name, r, optimum.replica_seconds);
    }
  }
  if (wantedTraces === undefined || wantedTraces.includes('diurnal-days')) {
    const base = diurnalDaysTrace({ seed, scale }, days);
    const trace = days_startup_s === undefined ? base : { ...base, startup_s: days_startup_s };
    forecastSection(trace, bounds, { headroom, down_window_s, rate_window_s, wantedPolicies });
  }
}

function printRow(trace: string, policy: string, r: SimResult, optimum_s: number, extra = ''): void {
  const share = (100 * r.within_deadline) / r.jobs;
  const reasons = Object.entries(r.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `  ${trace.padEnd(10)} ${policy.padEnd(17)} ${`${share.toFixed(2)} %`.padStart(15)}   ` +
      `${fmt(r.replica_seconds).padStart(9)}   ${(r.replica_seconds / optimum_s).toFixed(2).padStart(9)}` +
      `   ${String(r.actions).padStart(7)}   ${String(r.peak_replicas).padStart(4)}   ${reasons}${extra}`,
  );
}

/**
 * Backlog alone and backlog with the forecast policy over the days a forecast exists for.
 * The demand series is sampled as the coordinator samples it, one value per interval of a
 * 24th of the trace's day (its hour), and each interval's forecast is made when it starts from
 * the complete intervals before it (at most ten days, as the coordinator fits), a day ahead,
 * with the daily season: the engine's answer until the next interval, exactly as
 * `GET /sla/capacity/forecast` serves it. The forecast policy reads its peak over the next
 * start-up time, as the autoscaler's forecast source does.
 */
function forecastSection(
  trace: DaysTrace,
  bounds: { min_replicas: number; max_replicas: number },
  {
    headroom,
    down_window_s,
    rate_window_s,
    wantedPolicies,
  }: { headroom: number; down_window_s: number; rate_window_s: number; wantedPolicies: string[] | undefined },
): void {
  const interval_s = trace.period_s / 24;
  const season = 24;
  const engine = createForecastEngine(loadMstl());
  // The coordinator needs five days of the daily season before its first forecast: the figures
  // start with the first day that has one.
  const measure_from_s = 5 * trace.period_s;
  const started = performance.now();
  const optimum = hindsightOptimum(traceFrom(trace, measure_from_s, trace.initial_replicas), bounds);
  const optimum_ms = performance.now() - started;
  console.log(
    `\n  ${trace.name}: days ${5 + 1}–${trace.days} of ${trace.days} (the first five build the forecast's history); ` +
      `interval ${interval_s} s, season ${season}`,
  );
  console.log(
    `  ${trace.name.padEnd(10)} ${'hindsight optimum'.padEnd(17)} ${''.padStart(15)}   ` +
      `${fmt(optimum.replica_seconds).padStart(9)}   ${'1.00'.padStart(9)}` +
      `   (${trace.about}; deadline ${trace.deadline_s} s, start-up ${trace.startup_s} s; optimum in ${Math.round(optimum_ms)} ms)`,
  );
  const backlog = backlogPolicy(trace, headroom);
  const behaviour: Behaviour = {
    scale_up: { ...DEFAULT_BEHAVIOUR.scale_up, max_step: 100 },
    scale_down: { ...DEFAULT_BEHAVIOUR.scale_down, stabilization_s: down_window_s },
    cooldown_s: 0,
  };
  const variants: [string, ForecastLevel, number][] = [
    ['backlog+forecast', 'upper80', 0.8],
    ['backlog+fc-point', 'point', 1],
    ['backlog+fc-u95', 'upper95', 0.8],
  ];
  const cases: [string, Policy[]][] = [
    ['backlog', [backlog]],
    ...variants.map(([name, level, target_utilization]): [string, Policy[]] => [
      name,
      [
        backlog,
        {
          kind: 'forecast',
          name: 'forecast',
          metric: 'forecast',
          level,
          lead_s: trace.startup_s,
          slots_per_replica: 1,
          target_utilization,
          max_age_s: 60,
        },
      ],
    ]),
  ];
  // Each run makes its own forecasts, one per interval: busy slots are part of demand, so
  // what a policy ran changes what the next forecast learns from.
  for (const [name, policies] of cases) {
    if (wantedPolicies !== undefined && !wantedPolicies.includes(name)) continue;
    const forecast = policies.find((p) => p.kind === 'forecast');
    let made: { at: number; answer: ForecastAnswer } | null = null;
    let forecasts = 0;
    let forecast_ms = 0;
    let proposed = 0;
    const readings = (now_s: number, series: readonly number[]): Record<string, Reading | undefined> => {
      if (forecast?.kind !== 'forecast') return {};
      const first_at = series.length * interval_s;
      if (made?.at !== first_at) {
        const t = performance.now();
        const values = series.slice(-10 * season);
        made = {
          at: first_at,
          answer: engine.forecast({
            values: values.length === 0 ? [null] : values,
            seasons: [season],
            horizon: season,
          }),
        };
        forecast_ms += performance.now() - t;
        if (made.answer.kind === 'forecast') forecasts++;
      }
      if (made.answer.kind !== 'forecast') return {};
      const points = made.answer.points.map((p, i) => ({ ...p, at: (first_at + i * interval_s) * 1000 }));
      const value = forecastPeak(points, {
        now_ms: now_s * 1000,
        lead_s: forecast.lead_s,
        interval_s,
        level: forecast.level,
      });
      if (value === null) return {};
      proposed++;
      return { forecast: { value, at: Math.round(now_s * 1000) } };
    };
    const r = simulate(
      trace,
      { ...bounds, paused: false, behaviour, policies },
      {
        rate_window_s,
        measure_from_s,
        demand: { interval_s, readings },
      },
    );
    const extra =
      forecast === undefined
        ? ''
        : ` (${forecasts} forecasts in ${Math.round(forecast_ms)} ms; a forecast reading at ${proposed} ticks)`;
    printRow(trace.name, name, r, optimum.replica_seconds, extra);
  }
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/**
 * The four contenders, each with the behaviour it would be deployed with: the seed's
 * watermark moves ±1 with no windows; the HPA formula keeps HPA's defaults; the backlog policy
 * scales up by up to 100 replicas per 15 s (its proposal is a computed need, not a guess to
 * be approached) and down to the highest recommendation of the last `down_window_s`. In the
 * combination the target policy is a utilization safety net, set higher than alone.
 */
/** The backlog policy both sections run, for a trace's deadline and start-up. */
function backlogPolicy(trace: { deadline_s: number; startup_s: number }, headroom: number): Policy {
  return {
    kind: 'backlog',
    name: 'backlog',
    backlog: METRICS.backlog,
    arrival_rate_per_s: METRICS.arrival_rate_per_s,
    throughput_per_replica_per_s: METRICS.throughput_per_replica_per_s,
    deadline_s: trace.deadline_s,
    startup_s: trace.startup_s,
    headroom,
    max_age_s: 60,
    throughput_max_age_s: 3600,
  };
}

function policiesFor(
  trace: Trace,
  bounds: { min_replicas: number; max_replicas: number },
  {
    headroom,
    utilization,
    combined_utilization,
    down_window_s,
  }: { headroom: number; utilization: number; combined_utilization: number; down_window_s: number },
): [string, ScaledTarget][] {
  const watermark: Policy = {
    kind: 'watermark',
    name: 'watermark',
    metric: METRICS.queue,
    high: 50,
    low: 5,
    breaches: 2,
    max_age_s: 60,
  };
  const hpa: Policy = {
    kind: 'target',
    name: 'target',
    metric: METRICS.utilization,
    target: utilization,
    metric_type: 'per_replica',
    tolerance: DEFAULT_TOLERANCE,
    max_age_s: 60,
  };
  const backlog = backlogPolicy(trace, headroom);
  const free: Behaviour = {
    scale_up: { max_step: 1000, max_step_pct: 0, period_s: 0, stabilization_s: 0 },
    scale_down: { max_step: 1000, max_step_pct: 0, period_s: 0, stabilization_s: 0 },
    cooldown_s: 0,
  };
  const quickDown: Behaviour = {
    scale_up: { ...DEFAULT_BEHAVIOUR.scale_up, max_step: 100 },
    scale_down: { ...DEFAULT_BEHAVIOUR.scale_down, stabilization_s: down_window_s },
    cooldown_s: 0,
  };
  const t = (policies: Policy[], behaviour: Behaviour): ScaledTarget => ({
    ...bounds,
    paused: false,
    behaviour,
    policies,
  });
  return [
    ['watermark', t([watermark], free)],
    ['hpa', t([hpa], DEFAULT_BEHAVIOUR)],
    ['backlog', t([backlog], quickDown)],
    ['backlog+target', t([backlog, { ...hpa, target: combined_utilization }], quickDown)],
  ];
}
