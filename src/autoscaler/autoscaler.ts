import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { AutoscalerConfig, ScaledTargetConfig } from '../config/autoscaler-schema.ts';
import type { Logger } from '../platform/log.ts';
import type { JobQueue } from '../queue/queue.ts';
import { acquireLease, type HeldLease, releaseLease } from '../store/repositories/leader-leases.ts';
import type { Store } from '../store/store.ts';
import type { Deployer } from './deployers/deployer.ts';
import type { AutoscalerStatsd } from './dogstatsd.ts';
import { autoscalerMetrics } from './metrics.ts';
import { createForecastSource, type ForecastSource } from './sources/forecast.ts';
import { queueTicks } from './sources/queue-ticks.ts';
import type { MetricSource, TickReason, TickSource } from './sources/source.ts';
import { topicSource } from './sources/topic.ts';
import { type TargetRuntime, type TickOutcome, tickTarget } from './tick.ts';

/** The lease every autoscaler of a store contends for: one acts, the others wait. */
export const AUTOSCALER_LEASE = 'autoscaler';

export interface AutoscalerDeps {
  store: Store;
  queue: JobQueue;
  config: AutoscalerConfig;
  registry: Registry;
  log: Logger;
  now?: () => number;
  /** Builds a target's deployer (deployers/index.ts; tests pass their own). */
  deployerFor: (target: ScaledTargetConfig) => Deployer;
  /** Builds a named source of a target. */
  sourceFor: (source: ScaledTargetConfig['sources'][number]) => MetricSource;
  /**
   * Builds the forecast source of a target with a forecast policy (default: the coordinator at
   * `coordinator_url`, with `worker_api_key`).
   */
  forecastFor?: (target: ScaledTargetConfig) => ForecastSource;
  /** Builds a target's block tick source, when it has `block_ticks`. */
  blockTicksFor?: (target: ScaledTargetConfig) => TickSource;
  /** Where decisions are also pushed (DogStatsD, role.ts); closed on stop. */
  statsd?: AutoscalerStatsd;
  /** Who this autoscaler is, in the lease (default: host, pid and a random suffix). */
  holder?: string;
}

export interface RunningAutoscaler {
  readonly holder: string;
  /** Whether this autoscaler holds the lease and acts. */
  isLeader(): boolean;
  /** Ticks one target (or all) now, as an interval would; resolves with what each did. */
  tickNow(target?: string): Promise<Map<string, TickOutcome>>;
  /** Stops ticking, waits for ticks in flight, releases the lease; replicas keep running. */
  stop(): Promise<void>;
}

/**
 * The autoscaler role (docs/autoscaler.md). Every store has one acting autoscaler: each
 * contends for a lease with a fencing token (leader_leases) and only the holder ticks; the
 * others keep trying, and take over when the holder stops renewing. A target ticks on the
 * interval, when its topic's queue grows, and on new blocks when configured; its ticks never
 * overlap (a tick asked for meanwhile runs once after it).
 */
export function startAutoscaler(deps: AutoscalerDeps): RunningAutoscaler {
  const { store, queue, config, log } = deps;
  const now = deps.now ?? Date.now;
  const holder = deps.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const metrics = autoscalerMetrics(deps.registry);
  const tickDeps = { store, settings: config, metrics, statsd: deps.statsd, log, now };
  const forecastFor =
    deps.forecastFor ??
    ((target: ScaledTargetConfig) =>
      createForecastSource(
        {
          coordinator_url: config.coordinator_url,
          api_key: config.worker_api_key,
          topic: target.topic ?? '',
        },
        { now, log },
      ));

  const runtimes = new Map<string, TargetRuntime>(
    config.targets.map((target) => [
      target.name,
      {
        config: target,
        deployer: deps.deployerFor(target),
        topic:
          target.topic === undefined
            ? null
            : topicSource(
                { topic: target.topic, concurrency: target.concurrency },
                { db: store.db, queue, now },
              ),
        forecast:
          target.topic !== undefined && target.policies.some((p) => p.kind === 'forecast')
            ? forecastFor(target)
            : null,
        sources: new Map(target.sources.map((s) => [s.name, deps.sourceFor(s)])),
      },
    ]),
  );

  let lease: HeldLease | undefined;
  let stopped = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const inFlight = new Map<string, Promise<TickOutcome>>();
  const queued = new Map<string, { reason: TickReason; at: number }>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  async function contend(): Promise<void> {
    try {
      const next = await acquireLease(store.db, AUTOSCALER_LEASE, holder, {
        now: now(),
        ttlMs: config.lease_ttl_ms,
      });
      if (next !== undefined && lease === undefined)
        log.info({ holder, token: next.token }, 'autoscaler acting');
      if (next === undefined && lease !== undefined)
        log.warn({ holder }, 'autoscaler lease lost; standing by');
      lease = next;
    } catch (error) {
      // A store that cannot answer cannot fence either: stop acting until it answers again.
      if (lease !== undefined)
        log.warn({ err: error, holder }, 'cannot renew the autoscaler lease; standing by');
      lease = undefined;
    }
    metrics.leader.set(lease === undefined ? 0 : 1);
  }

  const followUps = new Map<string, Promise<TickOutcome>>();

  function tick(name: string, cause: { reason: TickReason; at: number }): Promise<TickOutcome> {
    const runtime = runtimes.get(name);
    if (runtime === undefined) return Promise.resolve({ kind: 'skipped', why: 'unknown target' });
    const running = inFlight.get(name);
    if (running !== undefined) {
      // One tick at a time per target: whatever asks meanwhile gets one more tick after it,
      // with the latest cause, and everyone who asked waits for that one.
      queued.set(name, cause);
      let followUp = followUps.get(name);
      if (followUp === undefined) {
        followUp = running.then(() => {
          followUps.delete(name);
          const latest = queued.get(name) ?? cause;
          queued.delete(name);
          return tick(name, latest);
        });
        followUps.set(name, followUp);
      }
      return followUp;
    }
    const held = lease;
    if (held === undefined || stopped) return Promise.resolve({ kind: 'skipped', why: 'not acting' });
    const run = tickTarget(runtime, cause, held, tickDeps)
      .catch((error: unknown): TickOutcome => {
        log.error({ err: error, target: name }, 'autoscaler tick failed');
        return { kind: 'skipped', why: 'failed' };
      })
      .finally(() => inFlight.delete(name));
    inFlight.set(name, run);
    return run;
  }

  async function tickAll(reason: TickReason, names: Iterable<string> = runtimes.keys()) {
    const at = now();
    const outcomes = new Map<string, TickOutcome>();
    await Promise.all([...names].map(async (name) => outcomes.set(name, await tick(name, { reason, at }))));
    return outcomes;
  }

  // Leadership first, then the interval; renewals at a third of the lease's life.
  const renewEvery = Math.max(200, Math.floor(config.lease_ttl_ms / 3));
  const leadership = async () => {
    await contend();
    if (!stopped) later(renewEvery, () => void leadership());
  };
  const interval = () => {
    if (stopped) return;
    void tickAll('interval').finally(() => later(config.tick_interval_ms, interval));
  };
  void contend().then(() => {
    if (stopped) return;
    later(renewEvery, () => void leadership());
    interval();
  });

  const byTopic = new Map<string, string[]>();
  for (const t of config.targets)
    if (t.topic !== undefined) byTopic.set(t.topic, [...(byTopic.get(t.topic) ?? []), t.name]);
  const tickSources: TickSource[] = [];
  if (byTopic.size > 0) {
    const queueSource = queueTicks(queue, {
      topics: [...byTopic.keys()],
      pollMs: config.queue_poll_ms,
      now,
      onError: (error) => log.warn({ err: error }, 'cannot read the queue for bursts'),
    });
    queueSource.start(({ at, detail }) => {
      const topics = (detail?.['topics'] as string[] | undefined) ?? [];
      for (const name of topics.flatMap((t) => byTopic.get(t) ?? []))
        void tick(name, { reason: 'queue', at });
    });
    tickSources.push(queueSource);
  }
  for (const target of config.targets) {
    if (target.block_ticks === undefined || deps.blockTicksFor === undefined) continue;
    const blocks = deps.blockTicksFor(target);
    blocks.start(({ at }) => void tick(target.name, { reason: 'block', at }));
    tickSources.push(blocks);
  }

  return {
    holder,
    isLeader: () => lease !== undefined,
    tickNow: (target) => tickAll('interval', target === undefined ? undefined : [target]),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(tickSources.map((s) => s.stop()));
      await Promise.all([...inFlight.values(), ...followUps.values()]);
      const held = lease;
      lease = undefined;
      metrics.leader.set(0);
      if (held !== undefined) await releaseLease(store.db, held, now()).catch(() => {});
      await Promise.all(
        [...runtimes.values()].flatMap((r) => [
          r.deployer.close(),
          r.forecast?.close(),
          ...[...r.sources.values()].map((s) => s.close()),
        ]),
      );
      // Last: the ticks in flight above may still have sent.
      await deps.statsd?.close();
    },
  };
}
