import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the autoscaler exposes on /metrics (docs/autoscaler.md, Observability). */
export interface AutoscalerMetrics {
  desired: Gauge<'target'>;
  actual: Gauge<'target'>;
  proposed: Gauge<'target' | 'policy'>;
  decisions: Counter<'target' | 'reason'>;
  deployerErrors: Counter<'target' | 'deployer'>;
  sourceErrors: Counter<'target' | 'source'>;
  tickLag: Histogram<'tick'>;
  leader: Gauge;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers the autoscaler's metrics once per registry (the coordinator's, when in-process). */
export function autoscalerMetrics(registry: Registry): AutoscalerMetrics {
  const registers = [registry];
  return {
    desired: once(
      registry,
      'vigil_autoscaler_desired_replicas',
      () =>
        new Gauge({
          name: 'vigil_autoscaler_desired_replicas',
          help: 'Replicas the last decision asked for, by target',
          labelNames: ['target'],
          registers,
        }),
    ),
    actual: once(
      registry,
      'vigil_autoscaler_actual_replicas',
      () =>
        new Gauge({
          name: 'vigil_autoscaler_actual_replicas',
          help: 'Replicas the deployer reported at the last tick, by target',
          labelNames: ['target'],
          registers,
        }),
    ),
    proposed: once(
      registry,
      'vigil_autoscaler_proposed_replicas',
      () =>
        new Gauge({
          name: 'vigil_autoscaler_proposed_replicas',
          help: 'Each policy’s proposal at the last tick (absent while it proposes nothing)',
          labelNames: ['target', 'policy'],
          registers,
        }),
    ),
    decisions: once(
      registry,
      'vigil_autoscaler_decisions_total',
      () =>
        new Counter({
          name: 'vigil_autoscaler_decisions_total',
          help: 'Decisions by target and reason',
          labelNames: ['target', 'reason'],
          registers,
        }),
    ),
    deployerErrors: once(
      registry,
      'vigil_autoscaler_deployer_errors_total',
      () =>
        new Counter({
          name: 'vigil_autoscaler_deployer_errors_total',
          help: 'Deployer calls that failed (the tick held the count), by target and deployer',
          labelNames: ['target', 'deployer'],
          registers,
        }),
    ),
    sourceErrors: once(
      registry,
      'vigil_autoscaler_source_errors_total',
      () =>
        new Counter({
          name: 'vigil_autoscaler_source_errors_total',
          help: 'Source reads that failed (their policies proposed nothing), by target and source',
          labelNames: ['target', 'source'],
          registers,
        }),
    ),
    tickLag: once(
      registry,
      'vigil_autoscaler_tick_lag_seconds',
      () =>
        new Histogram({
          name: 'vigil_autoscaler_tick_lag_seconds',
          help: 'From what made a tick (an interval, a queue’s growth, a block) to its decision stored',
          labelNames: ['tick'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    leader: once(
      registry,
      'vigil_autoscaler_leader',
      () =>
        new Gauge({
          name: 'vigil_autoscaler_leader',
          help: '1 while this autoscaler holds the lease and acts',
          registers,
        }),
    ),
  };
}
