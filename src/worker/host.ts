import { isAbsolute, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { loadOrCreateIdentity, type NodeIdentity } from '../node-client/identity.ts';
import { startRegistration } from '../node-client/registration.ts';
import { createSignedClient, type SignedClient } from '../node-client/signed-client.ts';
import { Closers } from '../platform/closers.ts';
import { type Logger, silentLogger } from '../platform/log.ts';
import { WORKER_API_KEY_VAR, type WorkerConfig } from './config.ts';
import { createWorkerCalls, type WorkerCalls } from './coordinator-calls.ts';
import { createLeaseKeeper, type LeaseKeeper } from './leases.ts';
import {
  createWorkerMetrics,
  type MetricsServer,
  startMetricsServer,
  type WorkerMetrics,
} from './metrics.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { openWorkerOutboxFile } from './outbox-file.ts';
import { createReconciler, type Reconciler, type WorkerSummary } from './reconciler.ts';
import { SyncLoop } from './sync-loop.ts';

export { WORKER_VERSION } from './sync-loop.ts';

export interface WorkerHostOptions {
  log?: Logger;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Relative paths in the configuration are relative to this (default: the working directory). */
  baseDir?: string;
  random?: () => number;
  /** Process metrics on /metrics: for a host that has its process to itself. */
  defaultMetrics?: boolean;
  /** How often a verifier with nothing to judge asks for samples again. */
  verifyIntervalMs?: number;
}

export interface WorkerStatus {
  node_id: string;
  coordinator_url: string;
  last_sync_at_ms: number | null;
  sync_failures: number;
  reconnects: number;
  outbox: { results: number; verdicts: number };
  leases_held: number;
  workers: WorkerSummary[];
}

export interface WorkerHost {
  nodeId: string;
  keyPath: string;
  keyCreated: boolean;
  registry: Registry;
  /** URL of /metrics and /status; null without `metrics_port`. */
  metricsUrl: string | null;
  /** Drains every worker (no new claims, in-flight finish or are released), then stops: flushes the outbox, final sync. */
  stop(reason: string): Promise<void>;
  /** Drains every worker but keeps the host syncing; `stop` follows. */
  drain(): Promise<void>;
  status(): WorkerStatus;
}

/**
 * Runs this node's workers: key → registration (with VIGIL_WORKER_API_KEY) → sync → one
 * worker per entry of the coordinator's answer. Syncs every `heartbeat_interval_ms` and soon
 * after a state change, and reconciles each answer: starts new workers, stops removed or
 * disabled ones, restarts one whose generation went up, resizes concurrency in place. Nothing
 * local but the outbox is trusted across restarts.
 */
export async function startWorkerHost(
  config: WorkerConfig,
  options: WorkerHostOptions = {},
): Promise<WorkerHost> {
  const settings = hostSettings(options);
  const identity = await loadOrCreateIdentity(settings.at(config.key_path));
  const nodeId = config.node_id ?? identity.nodeId;
  const log = (options.log ?? silentLogger).child({ component: 'worker', node_id: nodeId });
  const closers = new Closers();
  const context: HostContext = { config, settings, identity, nodeId, log, closers };
  try {
    const node = await connect(context, options.defaultMetrics ?? false);
    const sync = new SyncLoop({
      calls: node.calls,
      leases: node.leases,
      nodeId,
      log,
      now: settings.now,
      heartbeatIntervalMs: config.heartbeat_interval_ms,
    });
    const declaredId = `${nodeId}/${config.worker_name}`;
    const workers = createReconciler({
      declaredId,
      declared: declaredWorker(config),
      pool: config.pool,
      drainTimeoutMs: config.drain_timeout_ms,
      deps: {
        config,
        baseDir: settings.baseDir,
        calls: node.calls,
        outbox: node.outbox,
        leases: node.leases,
        metrics: node.metrics,
        log,
        now: settings.now,
        random: settings.random,
        leaseMs: () => sync.leaseMs,
        syncAnswered: () => sync.answered(),
        requestSync: () => sync.request(),
        verifyIntervalMs: settings.verifyIntervalMs,
      },
    });
    const status = () => hostStatus(context, node, sync, workers);
    const metricsServer = await serveMetrics(config, node.metrics, status);
    sync.start(workers);
    log.info(
      {
        coordinator: config.coordinator_url,
        declared_worker: config.topics.length + config.verify.length === 0 ? null : declaredId,
        data_dir: settings.at(config.data_dir),
        metrics: metricsServer?.url ?? null,
      },
      'worker host started',
    );
    let stopping: Promise<void> | null = null;
    return {
      nodeId,
      keyPath: identity.path,
      keyCreated: identity.created,
      registry: node.metrics.registry,
      metricsUrl: metricsServer?.url ?? null,
      drain: () => workers.drainAll('draining'),
      status,
      stop: (reason) => (stopping ??= stop(context, { node, sync, workers, metricsServer }, reason)),
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

type HostSettings = ReturnType<typeof hostSettings>;

function hostSettings({
  now = Date.now,
  env = process.env,
  baseDir = process.cwd(),
  random = Math.random,
  verifyIntervalMs = 3_000,
}: WorkerHostOptions) {
  /** A configured path, relative ones taken from `baseDir`. */
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  return { now, env, baseDir, random, verifyIntervalMs, at };
}

/** What every step of a host's start and stop shares. */
interface HostContext {
  config: WorkerConfig;
  settings: HostSettings;
  identity: NodeIdentity;
  nodeId: string;
  log: Logger;
  /** Where each step leaves what must be closed when the host stops. */
  closers: Closers;
}

/** The host's link to the coordinator: its signed client and calls, the outbox and the lease keeper. */
interface NodeLink {
  client: SignedClient;
  calls: WorkerCalls;
  outbox: Outbox;
  leases: LeaseKeeper;
  metrics: WorkerMetrics;
}

/**
 * Opens the outbox file first (a second host on the same directory fails here, before any
 * call), then the client, the registration when there is an API key, the outbox's consumer
 * and the lease keeper.
 */
async function connect(context: HostContext, defaultMetrics: boolean): Promise<NodeLink> {
  const { config, settings, identity, nodeId, log, closers } = context;
  const file = openWorkerOutboxFile(settings.at(config.data_dir));
  closers.add(() => file.close());
  let outbox: Outbox | null = null;
  const metrics = createWorkerMetrics({ defaultMetrics, outboxDepth: (kind) => outbox?.depth(kind) ?? 0 });
  const client = createSignedClient({
    baseUrl: config.coordinator_url,
    nodeId,
    privateKey: identity.privateKey,
    requestTimeoutMs: config.request_timeout_ms,
    now: settings.now,
    onReconnect(reason) {
      metrics.reconnects.inc();
      log.warn({ reason }, 'reconnecting to the coordinator with a fresh connection pool');
    },
  });
  closers.add(() => client.close());
  const apiKey = settings.env[WORKER_API_KEY_VAR];
  if (apiKey !== undefined && apiKey !== '') {
    // As many parallel slots as its topics declare.
    const max_parallel = Math.max(
      1,
      config.topics.reduce((sum, t) => sum + t.concurrency, 0),
    );
    const registration = await startRegistration({
      client,
      apiKey,
      publicKey: identity.publicKey,
      // Where the node is reached is its agent's to say: the worker leaves it out.
      reach: { max_parallel },
      log,
      backoff: { initialMs: 1_000, maxMs: 30_000 },
      random: settings.random,
    });
    closers.add(() => registration.stop());
  }
  const calls = createWorkerCalls(client);
  outbox = createOutbox({
    db: file,
    calls,
    log,
    metrics,
    maxBackoffMs: config.outbox_max_backoff_ms,
    now: settings.now,
    random: settings.random,
  });
  const opened = outbox;
  closers.add(() => opened.close(0));
  const leases = createLeaseKeeper({ calls, log });
  closers.add(() => leases.close());
  return { client, calls, outbox, leases, metrics };
}

/** The worker this host's configuration declares, so the coordinator learns of it; null without topics. */
function declaredWorker(config: WorkerConfig) {
  if (config.topics.length + config.verify.length === 0) return null;
  return {
    topics: config.topics.map(({ topic, concurrency }) => ({ topic, concurrency })),
    verify_topics: config.verify.map(({ topic }) => topic),
  };
}

/** /metrics and /status on `metrics_port`; null without one. */
async function serveMetrics(
  config: WorkerConfig,
  metrics: WorkerMetrics,
  status: () => WorkerStatus,
): Promise<MetricsServer | null> {
  if (config.metrics_port === null) return null;
  try {
    return await startMetricsServer({
      host: config.metrics_host,
      port: config.metrics_port,
      registry: metrics.registry,
      status,
    });
  } catch (error) {
    throw new Error(`metrics_port ${config.metrics_port}: ${(error as Error).message}`);
  }
}

function hostStatus(
  { config, nodeId }: HostContext,
  { client, outbox, leases }: NodeLink,
  sync: SyncLoop,
  workers: Reconciler,
): WorkerStatus {
  return {
    node_id: nodeId,
    coordinator_url: config.coordinator_url,
    last_sync_at_ms: sync.lastSyncAtMs,
    sync_failures: sync.failures,
    reconnects: client.reconnects,
    outbox: { results: outbox.depth('results'), verdicts: outbox.depth('verdicts') },
    leases_held: leases.held,
    workers: workers.summaries(),
  };
}

/**
 * Drains every worker, ends the heartbeat and the lease keeper, flushes the outbox for at
 * most `request_timeout_ms` (what is left goes at the next start), and tells the coordinator
 * what the workers ended as in one last sync.
 */
async function stop(
  { config, log, closers }: HostContext,
  {
    node,
    sync,
    workers,
    metricsServer,
  }: { node: NodeLink; sync: SyncLoop; workers: Reconciler; metricsServer: MetricsServer | null },
  reason: string,
): Promise<void> {
  log.info({ reason }, 'stopping: draining workers');
  await workers.drainAll(reason);
  await sync.stop();
  await node.leases.close();
  await node.outbox.close(config.request_timeout_ms);
  const final = await sync.syncOnce();
  log.info({ reason, final_sync: final ? 'answered' : 'failed' }, 'worker host stopped');
  sync.releaseWaiters();
  await metricsServer?.close();
  await closers.closeAll();
}
