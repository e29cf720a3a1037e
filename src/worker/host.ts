import { isAbsolute, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { CallAbortedError } from '../node-client/errors.ts';
import { loadOrCreateIdentity } from '../node-client/identity.ts';
import { startRegistration } from '../node-client/registration.ts';
import { createSignedClient, type SignedClient } from '../node-client/signed-client.ts';
import { type Logger, silentLogger } from '../platform/log.ts';
import { createWaker } from '../platform/wait.ts';
import { WORKER_API_KEY_VAR, type WorkerConfig } from './config.ts';
import { createWorkerCalls, type WorkerCalls } from './coordinator-calls.ts';
import { createLeaseKeeper, type LeaseKeeper } from './leases.ts';
import { createWorkerMetrics, type MetricsServer, startMetricsServer } from './metrics.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { openWorkerOutboxFile } from './outbox-file.ts';
import { createReconciler, type WorkerSummary } from './reconciler.ts';

export const WORKER_VERSION = '0.1.0';
/** Calls coalesced into one sync after a state change. */
const SYNC_DEBOUNCE_MS = 50;

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
  const {
    now = Date.now,
    env = process.env,
    baseDir = process.cwd(),
    random = Math.random,
    verifyIntervalMs = 3_000,
  } = options;
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const identity = await loadOrCreateIdentity(at(config.key_path));
  const nodeId = config.node_id ?? identity.nodeId;
  const log = (options.log ?? silentLogger).child({ component: 'worker', node_id: nodeId });

  const cleanups: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  let client: SignedClient;
  let calls: WorkerCalls;
  let outbox: Outbox;
  let leases: LeaseKeeper;
  let metricsServer: MetricsServer | null = null;
  const metrics = createWorkerMetrics({
    defaultMetrics: options.defaultMetrics ?? false,
    outboxDepth: (kind) => outbox.depth(kind),
  });
  try {
    const file = openWorkerOutboxFile(at(config.data_dir));
    cleanups.push(() => file.close());
    client = createSignedClient({
      baseUrl: config.coordinator_url,
      nodeId,
      privateKey: identity.privateKey,
      requestTimeoutMs: config.request_timeout_ms,
      now,
      onReconnect(reason) {
        metrics.reconnects.inc();
        log.warn({ reason }, 'reconnecting to the coordinator with a fresh connection pool');
      },
    });
    cleanups.push(() => client.close());
    calls = createWorkerCalls(client);
    const apiKey = env[WORKER_API_KEY_VAR];
    if (apiKey !== undefined && apiKey !== '') {
      const registration = await startRegistration({
        client,
        apiKey,
        registration: {
          node_id: nodeId,
          public_key: identity.publicKey,
          endpoint: null,
          agent_url: null,
          max_parallel: Math.max(
            1,
            config.topics.reduce((sum, t) => sum + t.concurrency, 0),
          ),
        },
        log,
        backoff: { initialMs: 1_000, maxMs: 30_000 },
        random,
      });
      cleanups.push(() => registration.stop());
    }
    outbox = createOutbox({
      db: file,
      calls,
      log,
      metrics,
      maxBackoffMs: config.outbox_max_backoff_ms,
      now,
      random,
    });
    leases = createLeaseKeeper({ calls, log });
  } catch (error) {
    await closeAll();
    throw error;
  }

  const declaredId = `${nodeId}/${config.worker_name}`;
  const declared =
    config.topics.length + config.verify.length === 0
      ? null
      : {
          topics: config.topics.map(({ topic, concurrency }) => ({ topic, concurrency })),
          verify_topics: config.verify.map(({ topic }) => topic),
        };
  let leaseMs = 30_000;
  let lastSyncAtMs: number | null = null;
  let syncFailures = 0;

  const syncWaker = createWaker();
  let debounce: NodeJS.Timeout | undefined;
  function requestSync(): void {
    if (debounce !== undefined) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      syncWaker.wake();
    }, SYNC_DEBOUNCE_MS);
  }
  let syncWaiters: Array<() => void> = [];

  const workers = createReconciler({
    declaredId,
    declared,
    pool: config.pool,
    drainTimeoutMs: config.drain_timeout_ms,
    deps: {
      config,
      baseDir,
      calls,
      outbox,
      leases,
      metrics,
      log,
      now,
      random,
      leaseMs: () => leaseMs,
      syncAnswered: () => new Promise<void>((done) => syncWaiters.push(done)),
      requestSync,
      verifyIntervalMs,
    },
  });

  async function syncOnce(signal?: AbortSignal): Promise<boolean> {
    const waiters = syncWaiters;
    syncWaiters = [];
    const sent = workers.reports();
    try {
      const answer = await calls.sync({ version: WORKER_VERSION, workers: sent }, signal);
      workers.sent(sent);
      lastSyncAtMs = now();
      if (syncFailures > 0) log.info({ after_failures: syncFailures }, 'sync answered again');
      syncFailures = 0;
      if (answer.node_id !== undefined && answer.node_id !== nodeId) {
        log.warn({ answered_for: answer.node_id }, 'the coordinator answered for another node id');
      }
      if (answer.lease_ms > 0) {
        leaseMs = answer.lease_ms;
        leases.setLeaseMs(answer.lease_ms);
      }
      workers.apply(answer);
      for (const done of waiters) done();
      return true;
    } catch (error) {
      syncWaiters = waiters.concat(syncWaiters);
      if (error instanceof CallAbortedError) return false;
      syncFailures++;
      const fields = { failures: syncFailures, error: (error as Error).message };
      if (syncFailures === 1 || syncFailures % 10 === 0) log.warn(fields, 'sync failed');
      else log.debug(fields, 'sync failed');
      return false;
    }
  }

  const syncStop = new AbortController();
  const syncLoop = (async () => {
    while (!syncStop.signal.aborted) {
      const ok = await syncOnce(syncStop.signal);
      if (syncStop.signal.aborted) return;
      const retryMs = Math.min(config.heartbeat_interval_ms, 250 * 2 ** Math.min(syncFailures, 8));
      await syncWaker.sleep(ok ? config.heartbeat_interval_ms : retryMs);
    }
  })();

  if (config.metrics_port !== null) {
    try {
      metricsServer = await startMetricsServer({
        host: config.metrics_host,
        port: config.metrics_port,
        registry: metrics.registry,
        status: () => status(),
      });
    } catch (error) {
      syncStop.abort();
      await syncLoop;
      await closeAll();
      throw new Error(`metrics_port ${config.metrics_port}: ${(error as Error).message}`);
    }
  }
  log.info(
    {
      coordinator: config.coordinator_url,
      declared_worker: declared === null ? null : declaredId,
      data_dir: at(config.data_dir),
      metrics: metricsServer?.url ?? null,
    },
    'worker host started',
  );

  function status(): WorkerStatus {
    return {
      node_id: nodeId,
      coordinator_url: config.coordinator_url,
      last_sync_at_ms: lastSyncAtMs,
      sync_failures: syncFailures,
      reconnects: client.reconnects,
      outbox: { results: outbox.depth('results'), verdicts: outbox.depth('verdicts') },
      leases_held: leases.held,
      workers: workers.summaries(),
    };
  }

  let stopping: Promise<void> | null = null;
  return {
    nodeId,
    keyPath: identity.path,
    keyCreated: identity.created,
    registry: metrics.registry,
    metricsUrl: metricsServer?.url ?? null,
    drain: () => workers.drainAll('draining'),
    status,
    stop(reason) {
      stopping ??= (async () => {
        log.info({ reason }, 'stopping: draining workers');
        await workers.drainAll(reason);
        clearTimeout(debounce);
        syncStop.abort(new Error('stopping'));
        syncWaker.wake();
        await syncLoop;
        await leases.close();
        // Bounded: what is left goes at the next start.
        await outbox.close(config.request_timeout_ms);
        const final = await syncOnce();
        log.info({ reason, final_sync: final ? 'answered' : 'failed' }, 'worker host stopped');
        for (const done of syncWaiters.splice(0)) done();
        await metricsServer?.close();
        await closeAll();
      })();
      return stopping;
    },
  };
}
