import type { AutoscalerConfig, ScaledTargetConfig } from '../config/autoscaler-schema.ts';
import { uuidv7 } from '../core/ids.ts';
import { effectiveBounds } from '../core/scaling/bounds.ts';
import { decide } from '../core/scaling/decide.ts';
import { EMPTY_STATE, type ForecastLevel, type Reading, type ScalingState } from '../core/scaling/types.ts';
import { qualityScore } from '../core/work/quality.ts';
import type { Logger } from '../platform/log.ts';
import {
  ensureTargetRow,
  insertDecision,
  setDecisionAction,
  writeTargetTick,
} from '../store/repositories/autoscaler.ts';
import { type HeldLease, holdsLease } from '../store/repositories/leader-leases.ts';
import { nodeLoads } from '../store/repositories/node-quality.ts';
import { deregisterNode } from '../store/repositories/nodes.ts';
import { getTopic } from '../store/repositories/topics.ts';
import type { Store } from '../store/store.ts';
import type { Deployer, Replica, ScaleResult } from './deployers/deployer.ts';
import type { AutoscalerStatsd } from './dogstatsd.ts';
import type { AutoscalerMetrics } from './metrics.ts';
import type { ForecastSource } from './sources/forecast.ts';
import type { MetricSource, TickReason } from './sources/source.ts';
import type { TopicSource } from './sources/topic.ts';
import { forecastReadingName, scaledTargetFor, TOPIC_READINGS } from './target-model.ts';
import { nodeOf, type ReplicaLoad, rankVictims } from './victims.ts';

/** Everything one target's ticks use; built once per target by the autoscaler. */
export interface TargetRuntime {
  config: ScaledTargetConfig;
  deployer: Deployer;
  topic: TopicSource | null;
  /** The topic's demand forecast, when a forecast policy reads it. */
  forecast?: ForecastSource | null;
  sources: ReadonlyMap<string, MetricSource>;
  /** The last throughput measured, kept between ticks: a pool that went idle still knows it. */
  lastThroughput?: Reading;
}

export interface TickDeps {
  store: Store;
  settings: Pick<AutoscalerConfig, 'stale_after_ms'>;
  metrics: AutoscalerMetrics;
  /** DogStatsD, when configured: the same figures as `metrics`, pushed per decision. */
  statsd?: AutoscalerStatsd | undefined;
  log: Logger;
  now: () => number;
}

/** What one tick did: nothing (no lease, or the deployer could not be read), or its decision. */
export type TickOutcome =
  | { kind: 'skipped'; why: string }
  | {
      kind: 'decided';
      id: string;
      desired: number;
      actual: number;
      reason: string;
      action: ScaleResult | null;
    };

/**
 * One tick of one target, level-triggered: read the replicas back from the platform and the
 * readings from the sources, decide (core/scaling), store the decision with the lease's fence,
 * then ask the deployer for the difference between the decided count and what runs — also when
 * the count did not change, so a crash between deciding and acting is repaired by the next tick.
 */
export async function tickTarget(
  runtime: TargetRuntime,
  tick: { reason: TickReason; at: number },
  lease: HeldLease,
  deps: TickDeps,
): Promise<TickOutcome> {
  const { store, metrics, log, now } = deps;
  const { config, deployer } = runtime;
  const target = config.name;

  let replicas: Replica[];
  try {
    replicas = await deployer.replicas();
  } catch (error) {
    metrics.deployerErrors.inc({ target, deployer: deployer.kind });
    deps.statsd?.deployerError({ target, deployer: deployer.kind });
    log.warn({ err: error, target }, 'cannot read the replicas; holding the current count');
    return { kind: 'skipped', why: 'deployer' };
  }
  const live = replicas.filter((r) => r.state === 'starting' || r.state === 'running');
  const actual = live.length;
  const readings = await readAll(runtime, deps);

  const at = now();
  const row = await ensureTargetRow(store.db, target, at);
  const topicDeadlineMs =
    config.topic === undefined
      ? null
      : ((await getTopic(store.db, config.topic))?.definition.deadline_ms ?? null);
  const bounds = effectiveBounds(config, row);
  const model = scaledTargetFor(config, bounds, {
    topicDeadlineS: topicDeadlineMs === null ? null : topicDeadlineMs / 1000,
    staleAfterS: deps.settings.stale_after_ms / 1000,
  });
  const decision = decide({
    now_ms: at,
    actual,
    desired: row.desired,
    target: model,
    readings,
    state: parseState(row.state),
  });

  const id = uuidv7(at);
  const fenced = await store.transaction(async (trx) => {
    if (!(await holdsLease(trx, lease, at))) return false;
    await writeTargetTick(trx, {
      name: target,
      desired: decision.replicas,
      state: JSON.stringify(decision.state),
      scaledAt: decision.replicas !== (row.desired ?? actual) ? at : null,
      now: at,
    });
    await insertDecision(trx, {
      id,
      target,
      at,
      tick: tick.reason,
      reason: decision.reason,
      actual,
      previous_desired: row.desired,
      desired: decision.replicas,
      inputs: JSON.stringify(
        Object.fromEntries(
          Object.entries(readings).map(([name, r]) => [name, { value: r?.value, at_ms: r?.at }]),
        ),
      ),
      proposals: JSON.stringify(decision.proposals),
      action: null,
    });
    return true;
  });
  if (!fenced) return { kind: 'skipped', why: 'lease lost' };

  const lagMs = Math.max(0, now() - tick.at);
  metrics.tickLag.observe({ tick: tick.reason }, lagMs / 1000);
  metrics.decisions.inc({ target, reason: decision.reason });
  metrics.desired.set({ target }, decision.replicas);
  metrics.actual.set({ target }, actual);
  for (const p of decision.proposals) {
    if (p.replicas === null) metrics.proposed.remove({ target, policy: p.policy });
    else metrics.proposed.set({ target, policy: p.policy }, p.replicas);
  }
  deps.statsd?.decided({
    target,
    tick: tick.reason,
    reason: decision.reason,
    desired: decision.replicas,
    actual,
    proposals: decision.proposals,
    lagMs,
  });

  let action: ScaleResult | null = null;
  if (decision.replicas !== actual) {
    try {
      const victims = rankVictims(replicas, decision.replicas, await loadsOf(store, live));
      action = await deployer.scaleTo(decision.replicas, victims, {
        drainTimeoutMs: config.drain_timeout_ms,
      });
      await setDecisionAction(store.db, id, JSON.stringify(action));
      await retireNodes(store, deployer, replicas, action.stopping, now());
    } catch (error) {
      metrics.deployerErrors.inc({ target, deployer: deployer.kind });
      deps.statsd?.deployerError({ target, deployer: deployer.kind });
      log.warn({ err: error, target, desired: decision.replicas, actual }, 'the deployer could not scale');
      await setDecisionAction(store.db, id, JSON.stringify({ error: (error as Error).message }));
    }
  }
  if (action !== null || decision.replicas !== (row.desired ?? actual)) {
    log.info(
      {
        target,
        tick: tick.reason,
        reason: decision.reason,
        actual,
        previous_desired: row.desired,
        desired: decision.replicas,
        detail: decision.detail,
        ...(action === null ? {} : { started: action.started.length, stopping: action.stopping }),
      },
      'autoscaler decision',
    );
  }
  return { kind: 'decided', id, desired: decision.replicas, actual, reason: decision.reason, action };
}

/**
 * The nodes of replicas a scale-down stopped are deregistered: a replica that is gone is no
 * node gone silent, so it neither opens uptime violations nor stays in epochs' groups. Only
 * the deployers that stop exactly the replicas they report (process, docker) and only nodes
 * the deployer names: kubernetes and ecs steer the platform, whose choice may differ, and
 * their replicas' nodes are unknown (decision 0091). A replica started again under the same
 * number registers its node again, which reactivates it.
 */
async function retireNodes(
  store: Store,
  deployer: Deployer,
  replicas: readonly Replica[],
  stopped: readonly string[],
  at: number,
): Promise<void> {
  if (stopped.length === 0 || (deployer.kind !== 'process' && deployer.kind !== 'docker')) return;
  const byId = new Map(replicas.map((r) => [r.id, r]));
  const nodes = stopped.flatMap((id) => byId.get(id)?.node_id ?? []);
  if (nodes.length === 0) return;
  await store.transaction(async (trx) => {
    for (const node of nodes) await deregisterNode(trx, node, at);
  });
}

/** Every source's reading; a source that fails leaves its names out (its policies propose nothing). */
async function readAll(
  runtime: TargetRuntime,
  { metrics, statsd, log, now }: TickDeps,
): Promise<Record<string, Reading>> {
  const target = runtime.config.name;
  const readings: Record<string, Reading> = {};
  const failed = (source: string, error: unknown) => {
    metrics.sourceErrors.inc({ target, source });
    statsd?.sourceError({ target, source });
    log.warn({ err: error, target, source }, 'a source could not be read; its policies propose nothing');
  };
  if (runtime.topic !== null) {
    try {
      Object.assign(readings, await runtime.topic.read());
    } catch (error) {
      failed('topic', error);
    }
    const measured = readings[TOPIC_READINGS.throughput_per_replica_per_s];
    if (measured !== undefined) runtime.lastThroughput = measured;
    else if (runtime.lastThroughput !== undefined) {
      readings[TOPIC_READINGS.throughput_per_replica_per_s] = runtime.lastThroughput;
    } else {
      // Scaled from zero, nothing has been measured yet: the configured service time stands in.
      const serviceS = runtime.config.policies.find((p) => p.kind === 'backlog')?.service_s;
      if (serviceS !== undefined) {
        readings[TOPIC_READINGS.throughput_per_replica_per_s] = {
          value: runtime.config.concurrency / serviceS,
          at: now(),
        };
      }
    }
  }
  const forecast = runtime.forecast;
  if (forecast != null) {
    const wanted = new Map<string, { level: ForecastLevel; lead_s: number }>();
    for (const p of runtime.config.policies)
      if (p.kind === 'forecast') wanted.set(forecastReadingName(p.level, p.lead_s), p);
    // One request serves every forecast policy of the target (the source keeps the answer).
    for (const [name, { level, lead_s }] of wanted) {
      try {
        const reading = await forecast.peak(level, lead_s);
        if (reading !== null) readings[name] = reading;
      } catch (error) {
        failed('forecast', error);
        break;
      }
    }
  }
  await Promise.all(
    [...runtime.sources].map(async ([name, source]) => {
      try {
        readings[name] = await source.read();
      } catch (error) {
        failed(name, error);
      }
    }),
  );
  return readings;
}

/** Each live replica's node's busy slots and quality score, by node id (victims.ts's nodeOf). */
async function loadsOf(store: Store, live: readonly Replica[]): Promise<Map<string, ReplicaLoad>> {
  const loads = await nodeLoads(store.db, [...new Set(live.map(nodeOf))]);
  return new Map(loads.map((l) => [l.node_id, { busy_slots: l.busy_slots, score: qualityScore(l) ?? 0.5 }]));
}

function parseState(text: string): ScalingState {
  try {
    const parsed = JSON.parse(text) as Partial<ScalingState>;
    return {
      watermarks: parsed.watermarks ?? {},
      recommendations: parsed.recommendations ?? [],
      changes: parsed.changes ?? [],
    };
  } catch {
    return EMPTY_STATE;
  }
}
