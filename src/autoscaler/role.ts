import type { Registry } from 'prom-client';
import type { ScaledTargetConfig } from '../config/autoscaler-schema.ts';
import type { VigilConfig } from '../config/schema.ts';
import type { Logger } from '../platform/log.ts';
import type { JobQueue } from '../queue/queue.ts';
import { getTopics } from '../store/repositories/topics.ts';
import type { Store } from '../store/store.ts';
import { type RunningAutoscaler, startAutoscaler } from './autoscaler.ts';
import { createDogStatsd } from './dogstatsd.ts';
import { createForecastSource } from './sources/forecast.ts';
import {
  createMetricSource,
  createTickSource,
  type MetricSource,
  SourceConfigError,
} from './sources/index.ts';
import { deployerForTarget } from './target-deployer.ts';

/**
 * Why the autoscaler cannot start, in one line naming the key: `configuration` when the
 * configuration is wrong (running again fails the same way), `unreachable` when a source
 * could not be read (it may answer later).
 */
export class AutoscalerStartError extends Error {
  readonly kind: 'configuration' | 'unreachable';
  constructor(kind: 'configuration' | 'unreachable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AutoscalerStartError';
    this.kind = kind;
  }
}

export interface AutoscalerRoleDeps {
  store: Store;
  queue: JobQueue;
  config: VigilConfig;
  registry: Registry;
  log: Logger;
  now?: () => number;
  baseDir?: string;
}

function sourceOf(source: ScaledTargetConfig['sources'][number]): MetricSource {
  const { name: _name, ...config } = source;
  return createMetricSource(config);
}

/**
 * Starts the autoscaler with its real sources and deployers, after checking what only a
 * running system can tell: every target's topic exists (in the configuration or through the
 * API), and every source answers once. Either failing stops the start with the key that is
 * wrong; once running, a source that fails holds its target's count instead.
 */
export async function startAutoscalerRole(deps: AutoscalerRoleDeps): Promise<RunningAutoscaler> {
  const { store, queue, config, registry, log } = deps;
  const settings = config.autoscaler;
  const topics = await getTopics(
    store.db,
    settings.targets.flatMap((t) => (t.topic === undefined ? [] : [t.topic])),
  );
  const sources = new Map<string, MetricSource>();
  try {
    for (const [i, target] of settings.targets.entries()) {
      if (target.topic !== undefined && !topics.has(target.topic)) {
        throw new AutoscalerStartError(
          'configuration',
          `autoscaler.targets.${i}.topic: no topic ${target.topic} (declare it under topics, or add it with POST /topics)`,
        );
      }
      for (const [j, source] of target.sources.entries()) {
        const key = `autoscaler.targets.${i}.sources.${j}`;
        let built: MetricSource;
        try {
          built = sourceOf(source);
        } catch (error) {
          if (error instanceof SourceConfigError)
            throw new AutoscalerStartError('configuration', `${key}: ${error.message}`);
          throw error;
        }
        sources.set(`${target.name}/${source.name}`, built);
        try {
          await built.read();
        } catch (error) {
          throw new AutoscalerStartError(
            'unreachable',
            `${key} (${source.name}) cannot be read: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
      }
    }
  } catch (error) {
    await Promise.all([...sources.values()].map((s) => s.close().catch(() => {})));
    throw error;
  }

  const autoscalerLog = log.child({ component: 'autoscaler' });
  return startAutoscaler({
    store,
    queue,
    config: settings,
    registry,
    log: autoscalerLog,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(settings.dogstatsd === null
      ? {}
      : { statsd: createDogStatsd(settings.dogstatsd, { log: autoscalerLog }) }),
    deployerFor: (target) =>
      deployerForTarget(target, {
        settings,
        log: autoscalerLog,
        ...(deps.now === undefined ? {} : { now: deps.now }),
        ...(deps.baseDir === undefined ? {} : { baseDir: deps.baseDir }),
      }),
    sourceFor: (source) => {
      const target = settings.targets.find((t) => t.sources.includes(source));
      return sources.get(`${target?.name}/${source.name}`) ?? sourceOf(source);
    },
    // The forecast is read with the key the replicas register with: any key may read.
    forecastFor: (target) =>
      createForecastSource(
        {
          coordinator_url: settings.coordinator_url,
          api_key: settings.worker_api_key ?? process.env['VIGIL_WORKER_API_KEY'] ?? null,
          topic: target.topic ?? '',
        },
        { ...(deps.now === undefined ? {} : { now: deps.now }), log: autoscalerLog },
      ),
    blockTicksFor: (target) =>
      createTickSource({ kind: 'block', ...target.block_ticks }, { log: autoscalerLog }),
  });
}

/**
 * Drains and stops every replica of the process targets (vigil up on exit: a demo leaves no
 * worker processes behind, as a production autoscaler's restart must leave them running).
 */
export async function stopProcessReplicas(
  config: VigilConfig,
  { log, baseDir }: { log: Logger; baseDir?: string },
): Promise<void> {
  const settings = config.autoscaler;
  await Promise.all(
    settings.targets
      .filter((t) => t.deployer.kind === 'process')
      .map(async (target) => {
        const deployer = deployerForTarget(target, {
          settings,
          log,
          ...(baseDir === undefined ? {} : { baseDir }),
        });
        try {
          await deployer.scaleTo(0, [], { drainTimeoutMs: target.drain_timeout_ms });
        } catch (error) {
          log.warn({ err: error, target: target.name }, 'could not stop the replicas');
        } finally {
          await deployer.close();
        }
      }),
  );
}
