import { parseArgs } from 'node:util';
import { DEFAULT_BEHAVIOUR, DEFAULT_TOLERANCE } from '../src/core/scaling/defaults.ts';
import type { Behaviour, Policy, ScaledTarget } from '../src/core/scaling/types.ts';
import { hindsightOptimum } from './lib/autoscale-optimum.ts';
import { METRICS, simulate } from './lib/autoscale-sim.ts';
import { type Trace, traces } from './lib/autoscale-traces.ts';
import { machine } from './lib/common.ts';

/**
 * `npm run bench -- autoscale [--seed 1] [--scale 1] [--trace diurnal,flash,on-off,ramp,blocks]
 *   [--policy watermark,hpa,backlog,backlog+target] [--headroom 0] [--down-window 20]
 *   [--utilization 0.7] [--combined-utilization 0.9] [--rate-window 30]`
 *
 * Issue 15: the scaling policies of `core/scaling` replayed in virtual time over five traces
 * (diurnal, a 10× flash crowd, on/off bursts, a slow ramp, per-block bursts). Per trace and
 * policy: the share of jobs finished within their deadline, replica-seconds against the
 * hindsight-optimal schedule (`lib/autoscale-optimum.ts`), and the scaling actions.
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
    },
  });
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
      const share = (100 * r.within_deadline) / r.jobs;
      const reasons = Object.entries(r.reasons)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `  ${trace.name.padEnd(10)} ${name.padEnd(17)} ${`${share.toFixed(2)} %`.padStart(15)}   ` +
          `${fmt(r.replica_seconds).padStart(9)}   ${(r.replica_seconds / optimum.replica_seconds).toFixed(2).padStart(9)}` +
          `   ${String(r.actions).padStart(7)}   ${String(r.peak_replicas).padStart(4)}   ${reasons}`,
      );
    }
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
  const backlog: Policy = {
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
