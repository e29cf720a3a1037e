import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ConfigSources } from '../../src/config/load.ts';
import { defaultConfig, type VigilConfig } from '../../src/config/schema.ts';
import { assembleCoordinator } from '../../src/coordinator/assemble.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import type { Sessions } from '../../src/coordinator/auth/sessions.ts';
import type { EpochService } from '../../src/coordinator/epochs/service.ts';
import { loadCoordinatorKey } from '../../src/coordinator/epochs/signing-key.ts';
import type { JobService } from '../../src/coordinator/jobs/service.ts';
import { silentLogger } from '../../src/platform/log.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import type { Role } from '../../src/store/schema.ts';
import type { Store } from '../../src/store/store.ts';
import type { TestBackend } from './backends.ts';
import { recordStatuses } from './declared-statuses.ts';

export interface TestApi {
  app: FastifyInstance;
  store: Store;
  config: VigilConfig;
  keys: Record<Role, string>;
  clock: { now: number };
  /** The epoch clock, key and groups; `epochs.tick()` does what the coordinator's epoch schedule does. */
  epochs: EpochService;
  /**
   * The queue (`queue.backend` from the configuration; database by default) and the job
   * service; tests call `jobs.recoverExpired()` and `jobs.reconcile()` where the coordinator's
   * schedules would.
   */
  work: { queue: JobQueue; jobs: JobService };
  /** Dashboard sign-ins: tests make one-time links here, as `vigil up` does. */
  sessions: Sessions;
  /** Authorization header for a role. */
  as(role: Role): { authorization: string };
  close(): Promise<void>;
}

/**
 * The whole coordinator API in-process, on a fresh store, with a key per role and a settable
 * clock. The coordinator key is created in a temporary directory (never ./data), removed on close.
 */
export async function createTestApi(
  backend: TestBackend,
  adjust: (c: VigilConfig) => void = () => {},
  {
    random = Math.random,
    claimPollMs,
    storeFailureWindowMs,
    configSources,
  }: {
    random?: () => number;
    claimPollMs?: number;
    storeFailureWindowMs?: number;
    /** Where each value came from, as the CLI's load tells the coordinator (GET /config shows it). */
    configSources?: ConfigSources;
  } = {},
): Promise<TestApi> {
  const store = await backend.open();
  const config = defaultConfig();
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-coordinator-key-'));
  config.auth.signing_key_path = join(keyDir, 'coordinator.key');
  adjust(config);
  const clock = { now: Date.UTC(2026, 10, 1) };
  const key = await loadCoordinatorKey(config.auth.signing_key_path);
  const { app, epochs, queue, jobs, sessions } = await assembleCoordinator(store, config, key, {
    log: silentLogger,
    now: () => clock.now,
    random,
    ...(claimPollMs === undefined ? {} : { claimPollMs }),
    ...(storeFailureWindowMs === undefined ? {} : { storeFailureWindowMs }),
    ...(configSources === undefined ? {} : { configSources }),
  });
  const work = { queue, jobs };
  const statuses = recordStatuses(app);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'operator', 'node', 'tenant', 'read'] as const) {
    // The node key acts as node n1, the node id most tests register first.
    const scope = role === 'node' ? { node_id: 'n1' } : {};
    keys[role] = (await createApiKey(store.db, role, `test ${role}`, Date.now(), scope)).key;
  }
  return {
    app,
    store,
    config,
    keys,
    clock,
    epochs,
    work,
    sessions,
    as: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    async close() {
      const undeclared = statuses.undeclared();
      jobs.close();
      await app.close();
      await queue.close();
      await store.close();
      rmSync(keyDir, { recursive: true, force: true });
      if (undeclared.length > 0) {
        throw new Error(`answers /openapi.json does not declare (decision 0054): ${undeclared.join(', ')}`);
      }
    },
  };
}
