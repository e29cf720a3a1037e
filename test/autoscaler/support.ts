import { Registry } from 'prom-client';
import { afterEach, expect } from 'vitest';
import { type RunningAutoscaler, startAutoscaler } from '../../src/autoscaler/autoscaler.ts';
import type {
  Deployer,
  Replica,
  ScaleDownOptions,
  ScaleResult,
} from '../../src/autoscaler/deployers/deployer.ts';
import { createForecastSource } from '../../src/autoscaler/sources/forecast.ts';
import type { MetricSource, TickSource } from '../../src/autoscaler/sources/source.ts';
import type { ScaledTargetConfig } from '../../src/config/autoscaler-schema.ts';
import { configSchema } from '../../src/config/index.ts';
import type { VigilConfig } from '../../src/config/schema.ts';
import { type Logger, silentLogger } from '../../src/platform/log.ts';
import type { TestApi } from '../helpers/api.ts';

/** The autoscaler section of a configuration with these targets, ticking only when asked (60 s). */
export function autoscalerConfig(targets: unknown[], over: Record<string, unknown> = {}) {
  return configSchema.parse({
    autoscaler: {
      enabled: true,
      tick_interval_ms: 60_000,
      queue_poll_ms: 50,
      lease_ttl_ms: 3_000,
      targets,
      ...over,
    },
  }).autoscaler;
}

export const hashPool = {
  name: 'hash-pool',
  topic: 'hash',
  min_replicas: 0,
  max_replicas: 20,
  deployer: { kind: 'process' },
  // One job takes a second on one replica; all must be done within 20 s of submission.
  policies: [{ kind: 'backlog', deadline_s: 20, service_s: 1, startup_s: 2, headroom: 0 }],
};

/**
 * Starts autoscalers on a test API's store over RecordingDeployers, and stops them after each
 * test: `const { start, acting } = useAutoscalers(api)` inside a describeEachBackend.
 */
export function useAutoscalers(api: () => TestApi) {
  const running: RunningAutoscaler[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
  });

  function start(
    a: TestApi,
    config: VigilConfig['autoscaler'],
    {
      platform = new Map<string, Replica>(),
      sources = {} as Record<string, MetricSource>,
      holder = 'a',
      fetch = undefined as typeof globalThis.fetch | undefined,
      log = silentLogger as Logger,
      blockTicksFor = undefined as ((target: ScaledTargetConfig) => TickSource) | undefined,
      /** A real deployer for every target, in place of RecordingDeployers. */
      deployer = undefined as Deployer | undefined,
    } = {},
  ) {
    const deployers: RecordingDeployer[] = [];
    const registry = new Registry();
    const autoscaler = startAutoscaler({
      store: a.store,
      queue: a.work.queue,
      config,
      registry,
      log,
      now: () => a.clock.now,
      holder,
      deployerFor: () => {
        if (deployer !== undefined) return deployer;
        const d = new RecordingDeployer(platform, () => a.clock.now);
        deployers.push(d);
        return d;
      },
      sourceFor: (s) => {
        const source = sources[s.name];
        if (source === undefined) throw new Error(`no source ${s.name} in the test`);
        return source;
      },
      forecastFor: (target) =>
        createForecastSource(
          {
            coordinator_url: config.coordinator_url,
            api_key: config.worker_api_key,
            topic: target.topic ?? '',
          },
          { now: () => a.clock.now, ...(fetch === undefined ? {} : { fetch }) },
        ),
      ...(blockTicksFor === undefined ? {} : { blockTicksFor }),
    });
    running.push(autoscaler);
    return { autoscaler, deployers, registry, platform };
  }

  /** Until it acts and its first interval tick (at start) is done; then a second passes. */
  async function acting(autoscaler: RunningAutoscaler) {
    for (let i = 0; i < 100 && !autoscaler.isLeader(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(autoscaler.isLeader()).toBe(true);
    await autoscaler.tickNow();
    api().clock.now += 1_000;
  }

  return { start, acting };
}

/**
 * A stand-in deployer for the autoscaler loop's own tests: replicas are entries in a shared
 * map (the "platform"), so two deployer objects over the same map see the same replicas, as
 * two autoscalers over one real platform would. The real deployers have their own suites
 * (test/autoscaler/deployers/).
 */
export class RecordingDeployer implements Deployer {
  readonly kind = 'process' as const;
  readonly calls: Array<{ count: number; remove: readonly string[] }> = [];
  failReads = false;
  private next = 0;

  readonly platform: Map<string, Replica>;
  private readonly now: () => number;

  constructor(platform: Map<string, Replica> = new Map(), now: () => number = Date.now) {
    this.platform = platform;
    this.now = now;
  }

  async replicas(): Promise<Replica[]> {
    if (this.failReads) throw new Error('platform unreachable');
    return [...this.platform.values()];
  }

  async scaleTo(count: number, remove: readonly string[], _options: ScaleDownOptions): Promise<ScaleResult> {
    this.calls.push({ count, remove });
    const started: string[] = [];
    const stopping: string[] = [];
    const live = () => [...this.platform.values()].filter((r) => r.state !== 'stopped');
    while (live().length < count) {
      const id = `r-${++this.next}-${Math.random().toString(36).slice(2, 6)}`;
      this.platform.set(id, { id, state: 'running', started_at: this.now() });
      started.push(id);
    }
    for (const id of remove) {
      if (live().length <= count) break;
      if (this.platform.delete(id)) stopping.push(id);
    }
    return { started, stopping, detail: `started ${started.length}, stopped ${stopping.length}` };
  }

  async close(): Promise<void> {}
}
