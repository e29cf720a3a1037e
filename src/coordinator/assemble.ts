import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ConfigSources } from '../config/load.ts';
import type { VigilConfig } from '../config/schema.ts';
import { rulesFromSettings } from '../core/sla/rules.ts';
import type { Logger } from '../platform/log.ts';
import { openQueue } from '../queue/index.ts';
import type { JobQueue } from '../queue/queue.ts';
import { upsertConfigTopics } from '../store/repositories/topics.ts';
import type { Store } from '../store/store.ts';
import type { FetchLike } from './alerts/send.ts';
import { type Alerting, createAlerting } from './alerts/wiring.ts';
import { buildApp } from './app.ts';
import type { VerifiedKey } from './auth/keys.ts';
import { sessionRoutes } from './auth/session-routes.ts';
import { createSessions, type Sessions } from './auth/sessions.ts';
import { signaturePruning } from './auth/signed-requests.ts';
import { autoscalerRoutes } from './autoscaler/routes.ts';
import type { ForecastCrossingProvider } from './capacity/alert-evaluation.ts';
import { capacityAlertRoutes } from './capacity/alert-routes.ts';
import { capacityForecastRoutes } from './capacity/forecast-routes.ts';
import { type CapacityPlanning, capacitySchedules, createCapacityPlanning } from './capacity/wiring.ts';
import { configRoutes } from './configuration/routes.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { identityRoutes } from './epochs/identity-routes.ts';
import { createInterimBatcher } from './epochs/interim-batcher.ts';
import { interimRoutes } from './epochs/interim-routes.ts';
import { createEpochMetrics, type EpochMetrics } from './epochs/metrics.ts';
import { reportRoutes } from './epochs/report-routes.ts';
import { epochRoutes } from './epochs/routes.ts';
import { createEpochService, type EpochService, epochSchedule } from './epochs/service.ts';
import type { CoordinatorKey } from './epochs/signing-key.ts';
import { fleetRoutes } from './fleet/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { createStoreHealth, type StoreHealth } from './health/store-health.ts';
import type { GracefulShutdown } from './http/shutdown.ts';
import { createHeartbeatBatcher, type HeartbeatBatcher } from './ingest/heartbeat-batcher.ts';
import { createIngestMetrics, type IngestMetrics } from './ingest/metrics.ts';
import { telemetryRoutes } from './ingest/routes.ts';
import { jobRoutes } from './jobs/routes.ts';
import { createJobService, type JobService, jobSchedules } from './jobs/service.ts';
import { workRoutes } from './jobs/worker-routes.ts';
import { createMetricsRegistry } from './metrics.ts';
import { nodeRoutes } from './nodes/routes.ts';
import { retentionSchedule } from './retention.ts';
import type { Schedule } from './scheduler.ts';
import { seriesRoutes } from './series/routes.ts';
import { collectionSchedule, createSlaCollector, type SlaCollector } from './sla/collector.ts';
import { evidenceRoutes } from './sla/evidence-routes.ts';
import { createSlaMetrics, publishCollection } from './sla/metrics.ts';
import { slaRoutes } from './sla/routes.ts';
import { topicRoutes } from './topics/routes.ts';
import { topicSampling } from './topics/samples.ts';
import { workerRoutes } from './workers/routes.ts';

export interface AssembleOptions {
  log: Logger;
  now?: () => number;
  /** For backoff jitter; tests pass a fixed one. */
  random?: () => number;
  /** How often a long-polling claim looks at the queue when no wake-up comes. */
  claimPollMs?: number;
  /** Where alert deliveries go; tests pass a fake receiver. */
  alertFetch?: FetchLike;
  /** How long readiness stays false after the store refused a write. */
  storeFailureWindowMs?: number;
  /** Where each configuration value came from (the CLI's load); GET /config shows it. */
  configSources?: ConfigSources;
  /** When the capacity forecast crosses a threshold; the fleet's own forecast by default (tests pass their own). */
  forecastCrossing?: ForecastCrossingProvider;
}

/** A coordinator's parts, built and wired but not yet listening or running its schedules. */
export interface Coordinator {
  app: FastifyInstance;
  /** Stops taking requests without resetting the ones already sent (server.ts's close). */
  shutdown: GracefulShutdown;
  store: Store;
  registry: Registry;
  epochs: EpochService;
  collector: SlaCollector;
  heartbeats: HeartbeatBatcher;
  queue: JobQueue;
  jobs: JobService;
  alerts: Alerting;
  /** Dashboard sign-ins; `vigil up` makes its one-time link here. */
  sessions: Sessions;
  /** What runs periodically once the coordinator is started (server.ts). */
  schedules: Schedule[];
}

/** What assembly passes from step to step: the store, the settings and the clock. */
interface Base {
  store: Store;
  config: VigilConfig;
  key: CoordinatorKey;
  log: Logger;
  now: () => number;
  registry: Registry;
  /** What the API learnt of the store's ability to serve, for readiness. */
  health: StoreHealth;
  configSources: ConfigSources | undefined;
}

/** The feature services and metrics the routes and schedules are built on. */
interface Services {
  epochMetrics: EpochMetrics;
  ingestMetrics: IngestMetrics;
  epochs: EpochService;
  alerts: Alerting;
  collector: SlaCollector;
  heartbeats: HeartbeatBatcher;
  sessions: Sessions;
  capacity: CapacityPlanning;
}

/** The SLA engine, epochs, alerting and heartbeat intake, each from only what it needs. */
function buildServices(
  base: Base,
  alertFetch: FetchLike | undefined,
  forecastCrossing: ForecastCrossingProvider | undefined,
): Services {
  const { store, config, key, log, now, registry } = base;
  const capacity = createCapacityPlanning({
    store,
    config,
    log,
    now,
    registry,
    alertFetch,
    forecastCrossing,
  });
  const slaMetrics = createSlaMetrics(registry, config.sla);
  const epochMetrics = createEpochMetrics(registry);
  const ingestMetrics = createIngestMetrics(registry);
  const epochs = createEpochService({
    store,
    config,
    key,
    metrics: epochMetrics,
    log: log.child({ component: 'epochs' }),
    now,
  });
  const alerts = createAlerting({
    store,
    config,
    registry,
    log: log.child({ component: 'alerts' }),
    ...(alertFetch === undefined ? {} : { fetch: alertFetch }),
    extraChannels: capacity.extraChannels,
  });
  const collector = createSlaCollector({
    store,
    settings: config.sla,
    log: log.child({ component: 'sla' }),
    now,
    plan: capacity.plan,
    sinks: {
      onTransitions: alerts.onTransitions,
      prepareCapacity: capacity.prepareCapacity,
      onCollected: (readings, summary, open, applied) =>
        publishCollection(slaMetrics, readings, summary, open, applied),
    },
  });
  const heartbeats = createHeartbeatBatcher({
    store,
    sliceMs: config.sla.slice_s * 1000,
    onWritten: (known) => ingestMetrics.heartbeats.inc({ result: known ? 'accepted' : 'unknown_node' }),
  });
  const sessions = createSessions(store.db, {
    sessionTtlMs: config.dashboard.session_ttl_s * 1000,
    linkTtlMs: config.dashboard.sign_in_link_ttl_s * 1000,
    cacheTtlMs: config.auth.key_cache_ttl_s * 1000,
    now,
  });
  return { epochMetrics, ingestMetrics, epochs, alerts, collector, heartbeats, sessions, capacity };
}

/** The configured topics recorded, the job queue opened and the job service on top of it. */
async function openWork(
  base: Base,
  { random, claimPollMs }: { random: () => number; claimPollMs: number | undefined },
): Promise<{ queue: JobQueue; jobs: JobService }> {
  const { store, config, log, now, registry } = base;
  await upsertConfigTopics(store.db, config.topics, now());
  const jobLog = log.child({ component: 'jobs' });
  // The queue may report losing its contents before the job service exists: bind late.
  let queueLostContents = () => {};
  const queue = await openQueue(config.queue, store, {
    log: log.child({ component: 'queue' }),
    onContentsLost: () => queueLostContents(),
  });
  const jobs = createJobService({
    store,
    queue,
    config,
    registry,
    log: jobLog,
    now,
    random,
    ...(claimPollMs === undefined ? {} : { claimPollMs }),
  });
  queueLostContents = () => {
    jobLog.warn(
      { backend: queue.backend },
      'the queue lost its contents; offering every unfinished job again',
    );
    jobs
      .reconcile({ everything: true })
      .catch((err: unknown) => jobLog.error({ err }, 'reconciliation failed'));
  };
  return { queue, jobs };
}

/** Each feature's routes, handed only what they use. The order is the OpenAPI document's. */
function registerRoutes(
  app: FastifyInstance,
  { store, config, key, now, registry, health, configSources }: Base,
  s: Services & { queue: JobQueue; jobs: JobService },
  verifyKey: (key: string) => Promise<VerifiedKey | null>,
): void {
  sessionRoutes(app, { sessions: s.sessions, verifyKey, secureCookie: config.dashboard.secure_cookie, now });
  if (config.dashboard.enabled) dashboardRoutes(app);
  healthRoutes(app, { store, registry, health, now, metricsNeedKey: config.auth.require_key_for_metrics });
  configRoutes(app, { config, ...(configSources === undefined ? {} : { sources: configSources }) });
  autoscalerRoutes(app, { store, config: config.autoscaler, now });
  nodeRoutes(app, { store, livenessTimeoutS: config.sla.liveness_timeout_s, now });
  telemetryRoutes(app, {
    store,
    heartbeats: s.heartbeats,
    metrics: s.ingestMetrics,
    api: config.api,
    sla: config.sla,
    now,
  });
  slaRoutes(app, { store, collector: s.collector, now });
  capacityForecastRoutes(app, {
    store,
    forecasts: s.capacity.forecasts,
    settings: config.capacity,
    autoscaler: config.autoscaler,
    now,
  });
  app.addHook('onClose', () => s.capacity.forecasts.close());
  capacityAlertRoutes(app, {
    store,
    settings: s.capacity.alertSettings,
    alerts: config.alerts,
    now,
  });
  evidenceRoutes(app, { store, sliceMs: config.sla.slice_s * 1000, now });
  epochRoutes(app, { store, epochs: s.epochs, monitoring: config.monitoring, now });
  reportRoutes(app, { store, epochs: s.epochs, metrics: s.epochMetrics, now });
  interimRoutes(app, {
    store,
    epochs: s.epochs,
    metrics: s.epochMetrics,
    batcher: createInterimBatcher({ store }),
    probeIntervalS: config.monitoring.probe_interval_s,
    clockSkewMs: config.auth.signed_request_window_s * 1000,
    sliceMs: config.sla.slice_s * 1000,
    now,
  });
  identityRoutes(app, { publicKey: key.publicKey });
  topicRoutes(app, { store, queue: s.queue, now });
  jobRoutes(app, { jobs: s.jobs });
  workRoutes(app, {
    store,
    jobs: s.jobs,
    claimMaxWaitMs: config.queue.claim_max_wait_ms,
    bodyLimitBytes: config.api.body_limit_bytes,
    maxResultBytes: config.jobs.max_result_bytes,
  });
  workerRoutes(app, {
    store,
    registry,
    heartbeats: s.heartbeats,
    leaseMs: config.queue.lease_ms,
    completionWindowS: config.sla.completion_window_s,
    now,
  });
  fleetRoutes(app, {
    store,
    epochs: s.epochs,
    queue: s.queue,
    monitoring: config.monitoring,
    livenessTimeoutS: config.sla.liveness_timeout_s,
    now,
  });
  const { response_time_percentile: responsePercentile } = config.sla;
  seriesRoutes(app, { store, rules: rulesFromSettings(config.sla), responsePercentile, now });
}

/** What runs periodically once the coordinator is started. */
function coordinatorSchedules(
  { store, config, log, now }: Base,
  {
    collector,
    epochs,
    jobs,
    queue,
    capacity,
  }: {
    collector: SlaCollector;
    epochs: EpochService;
    jobs: JobService;
    queue: JobQueue;
    capacity: CapacityPlanning;
  },
): Schedule[] {
  return [
    collectionSchedule(collector, config.sla.collection_interval_s),
    ...capacitySchedules({ store, config, now, queue }, capacity.forecasts),
    topicSampling({ store, queue, now, intervalMs: config.sla.collection_interval_s * 1000 }),
    epochSchedule(epochs),
    signaturePruning({ db: store.db, windowMs: config.auth.signed_request_window_s * 1000, now }),
    ...jobSchedules(jobs, config.queue),
    retentionSchedule({
      store,
      retention: config.retention,
      completionWindowS: config.sla.completion_window_s,
      log,
      now,
    }),
  ];
}

/**
 * The composition root: builds each feature's service from only what it needs and hands each
 * feature's routes only what they use. The coordinator process (server.ts) and the tests'
 * in-process API both start from here, so they are the same coordinator.
 */
export async function assembleCoordinator(
  store: Store,
  config: VigilConfig,
  key: CoordinatorKey,
  {
    log,
    now = Date.now,
    random = Math.random,
    claimPollMs,
    alertFetch,
    storeFailureWindowMs,
    configSources,
    forecastCrossing,
  }: AssembleOptions,
): Promise<Coordinator> {
  const health = createStoreHealth({
    now,
    ...(storeFailureWindowMs === undefined ? {} : { windowMs: storeFailureWindowMs }),
  });
  const base: Base = {
    store,
    config,
    key,
    log,
    now,
    registry: createMetricsRegistry(),
    health,
    configSources,
  };
  const services = buildServices(base, alertFetch, forecastCrossing);
  const { queue, jobs } = await openWork(base, { random, claimPollMs });
  const { app, shutdown } = await buildApp({
    store,
    config,
    registry: base.registry,
    log,
    now,
    health,
    sessions: services.sessions,
    routes: (app, { verifyKey }) => registerRoutes(app, base, { ...services, queue, jobs }, verifyKey),
  });
  const { epochs, collector, heartbeats, alerts, sessions, capacity } = services;
  return {
    app,
    shutdown,
    store,
    registry: base.registry,
    epochs,
    collector,
    heartbeats,
    queue,
    jobs,
    alerts,
    sessions,
    schedules: coordinatorSchedules(base, { collector, epochs, jobs, queue, capacity }),
  };
}
