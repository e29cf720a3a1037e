import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ConfigSources } from '../config/load.ts';
import type { VigilConfig } from '../config/schema.ts';
import { ensurePortFree } from '../platform/listen.ts';
import type { Logger } from '../platform/log.ts';
import type { JobQueue } from '../queue/queue.ts';
import { openStore, type Store } from '../store/store.ts';
import type { FetchLike } from './alerts/send.ts';
import { assembleCoordinator } from './assemble.ts';
import type { Sessions } from './auth/sessions.ts';
import { loadCoordinatorKey } from './epochs/signing-key.ts';
import { every } from './scheduler.ts';

export interface RunningCoordinator {
  /** Base URL the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Dashboard sign-ins: `vigil up` makes its one-time link here. */
  sessions: Sessions;
  /** The job queue and the metrics registry, for a role run beside it (the autoscaler). */
  queue: JobQueue;
  registry: Registry;
  /**
   * Runs `stop` first when the coordinator closes, while its store and queue are still open
   * (a role run beside it stops before them).
   */
  beforeClose(stop: () => Promise<void>): void;
  /** Stops taking requests, finishes in-flight work and closes the store. */
  close(): Promise<void>;
}

/**
 * The coordinator process: migrates the store, serves the API, and runs its schedules
 * (SLA collection, epochs and settlements, jobs, retention) and alert delivery until closed.
 */
export async function startCoordinator(
  config: VigilConfig,
  {
    log,
    now = Date.now,
    alertFetch,
    configSources,
  }: {
    log: Logger;
    now?: () => number;
    alertFetch?: FetchLike;
    /** Where each value of `config` came from, for GET /config. */
    configSources?: ConfigSources;
  },
): Promise<RunningCoordinator> {
  // The port before anything is created: a start that fails on a port in use leaves no key.
  await ensurePortFree(config.port, config.host);
  // The key next: a coordinator that cannot sign settlements must not start taking reports.
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

  const parts = await assembleCoordinator(store, config, key, {
    log,
    now,
    ...(alertFetch === undefined ? {} : { alertFetch }),
    ...(configSources === undefined ? {} : { configSources }),
  });
  try {
    // Before taking a request: a changed schedule would move recorded epochs under agents' feet.
    await parts.epochs.checkSchedule();
  } catch (error) {
    parts.jobs.close();
    await parts.app.close();
    await parts.queue.close();
    await store.close();
    throw error;
  }
  await parts.epochs.checkKeyContinuity();
  const { app, shutdown, jobs, heartbeats, queue, alerts } = parts;
  const address = await app.listen({ port: config.port, host: config.host });
  const running = parts.schedules.map((schedule) => every({ ...schedule, log }));
  alerts.dispatcher.start();
  log.info({ url: address, database: store.capabilities.dialectName }, 'coordinator listening');

  let closing: Promise<void> | null = null;
  const firstToStop: Array<() => Promise<void>> = [];
  return {
    url: address,
    app,
    store,
    sessions: parts.sessions,
    queue,
    registry: parts.registry,
    beforeClose: (stop) => firstToStop.push(stop),
    close() {
      closing ??= (async () => {
        for (const stop of firstToStop.splice(0).reverse()) {
          await stop().catch((err: unknown) =>
            log.error({ err }, 'stopping a role beside the coordinator failed'),
          );
        }
        // Waiting claims answer now, or the API would wait for their long polls to end.
        jobs.close();
        await shutdown.drain();
        await app.close();
        await Promise.all(running.map((s) => s.stop()));
        await heartbeats.drain();
        await alerts.dispatcher.stop();
        await queue.close();
        await store.close();
      })();
      return closing;
    },
  };
}
