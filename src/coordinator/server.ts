import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { VigilConfig } from '../config/schema.ts';
import { rollupGrain } from '../core/sla/rollup.ts';
import type { Logger } from '../platform/log.ts';
import { openQueue } from '../queue/index.ts';
import { pruneRequestSignatures } from '../store/repositories/request-signatures.ts';
import { pruneExpired } from '../store/repositories/retention.ts';
import { upsertConfigTopics } from '../store/repositories/topics.ts';
import { openStore, type Store } from '../store/store.ts';
import { buildApp } from './app.ts';
import { createEpochService } from './epochs/service.ts';
import { loadCoordinatorKey } from './epochs/signing-key.ts';
import { createHeartbeatBatcher } from './ingest/heartbeat-batcher.ts';
import { createJobService } from './jobs/service.ts';
import { createCoordinatorMetrics, publishCollection } from './metrics.ts';
import { every, type Periodic } from './scheduler.ts';
import { type CollectionSinks, createSlaCollector } from './sla/collector.ts';

const DAY_MS = 86_400_000;

export interface RunningCoordinator {
  /** Base URL the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Stops taking requests, finishes in-flight work and closes the store. */
  close(): Promise<void>;
}

/** Extra parts a caller plugs into the coordinator (alert delivery, for one). */
export interface CoordinatorExtensions {
  sinks?: CollectionSinks;
  /** Started after the API listens, stopped before the store closes. */
  services?: Array<{ start(): void; stop(): Promise<void> }>;
}

/**
 * The coordinator process: migrates the store, serves the API, and runs its schedules
 * (SLA collection, epochs and settlements, retention) until closed.
 */
export async function startCoordinator(
  config: VigilConfig,
  {
    log,
    now = Date.now,
    extensions = () => ({}),
  }: {
    log: Logger;
    now?: () => number;
    extensions?: (store: Store, registry: Registry) => CoordinatorExtensions;
  },
): Promise<RunningCoordinator> {
  // The key first: a coordinator that cannot sign settlements must not start taking reports.
  const key = await loadCoordinatorKey(config.auth.signing_key_path);
  if (key.created) {
    log.warn(
      { path: key.path, public_key: key.publicKey },
      'created the coordinator key that signs settlements; back it up (docs/operations.md)',
    );
  }
  const store = openStore({ databaseUrl: config.database_url });
  const applied = await store.migrate();
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');

  const metrics = createCoordinatorMetrics();
  const epochs = createEpochService({
    store,
    config,
    key,
    metrics,
    log: log.child({ component: 'epochs' }),
    now,
  });
  await epochs.checkKeyContinuity();
  const { sinks = {}, services = [] } = extensions(store, metrics.registry);
  const collector = createSlaCollector({
    store,
    settings: config.sla,
    log: log.child({ component: 'sla' }),
    now,
    sinks: {
      ...sinks,
      onCollected(readings, summary, open, transitions) {
        publishCollection(metrics, readings, summary, open, transitions);
        sinks.onCollected?.(readings, summary, open, transitions);
      },
    },
  });
  const heartbeats = createHeartbeatBatcher({ store, sliceMs: config.sla.slice_s * 1000 });
  await upsertConfigTopics(store.db, config.topics, now());
  // The queue may report losing its contents before the job service exists: bind late.
  let queueLostContents = () => {};
  const queue = await openQueue(config.queue, store, {
    log: log.child({ component: 'queue' }),
    onContentsLost: () => queueLostContents(),
  });
  const jobLog = log.child({ component: 'jobs' });
  const jobs = createJobService({ store, queue, config, registry: metrics.registry, log: jobLog, now });
  queueLostContents = () => {
    jobLog.warn(
      { backend: queue.backend },
      'the queue lost its contents; offering every unfinished job again',
    );
    jobs
      .reconcile({ everything: true })
      .catch((err: unknown) => jobLog.error({ err }, 'reconciliation failed'));
  };
  const app = await buildApp({
    store,
    config,
    metrics,
    collector,
    heartbeats,
    epochs,
    work: { queue, jobs },
    log,
    now,
  });
  const address = await app.listen({ port: config.port, host: config.host });

  const signatureWindowMs = config.auth.signed_request_window_s * 1000;
  const schedules: Periodic[] = [
    every({
      name: 'sla collection',
      intervalMs: config.sla.collection_interval_s * 1000,
      task: () => collector.collect(),
      log,
    }),
    every({
      name: 'epochs',
      intervalMs: epochs.tickIntervalMs,
      runAtStart: true,
      task: () => epochs.tick(),
      log,
    }),
    every({
      // A signature is refused as stale once its timestamp is a window away, which is at most
      // two windows after it was seen; remembering it that long refuses every replay.
      name: 'request signature pruning',
      intervalMs: signatureWindowMs,
      log,
      task: () => pruneRequestSignatures(store.db, now() - 2 * signatureWindowMs),
    }),
    every({
      name: 'lease recovery',
      intervalMs: config.queue.recover_interval_ms,
      log,
      task: () => jobs.recoverExpired(),
    }),
    every({
      // At start too: a queue that lost items while the coordinator was down is rebuilt at once.
      name: 'queue reconciliation',
      intervalMs: config.queue.reconcile_interval_s * 1000,
      runAtStart: true,
      log,
      task: () => jobs.reconcile(),
    }),
    every({
      name: 'retention',
      intervalMs: config.retention.prune_interval_s * 1000,
      runAtStart: true,
      log,
      task: async () => {
        const deleted = await pruneExpired(store.db, {
          rawBefore: now() - config.retention.raw_days * DAY_MS,
          rollupBefore: now() - config.retention.rollup_days * DAY_MS,
          fineRollupMs: rollupGrain(config.sla.completion_window_s).fineMs,
        });
        await store.maintain();
        const total = Object.values(deleted).reduce((a, b) => a + b, 0);
        if (total > 0) log.info({ deleted }, 'retention pruned expired rows');
      },
    }),
  ];
  for (const s of services) s.start();
  log.info({ url: address, database: store.capabilities.dialectName }, 'coordinator listening');

  let closing: Promise<void> | null = null;
  return {
    url: address,
    app,
    store,
    close() {
      closing ??= (async () => {
        // Waiting claims answer now, or the API would wait for their long polls to end.
        jobs.close();
        await app.close();
        await Promise.all(schedules.map((s) => s.stop()));
        await heartbeats.drain();
        await Promise.all(services.map((s) => s.stop()));
        await queue.close();
        await store.close();
      })();
      return closing;
    },
  };
}
