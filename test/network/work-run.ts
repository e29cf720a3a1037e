import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, type VigilConfig } from '../../src/config/schema.ts';
import { topicSchema } from '../../src/config/topic-schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import { silentLogger } from '../../src/platform/log.ts';
import type { Db } from '../../src/store/capabilities.ts';
import { workerConfigSchema } from '../../src/worker/config.ts';
import { startWorkerHost, type WorkerHost } from '../../src/worker/host.ts';

const PRIMES = fileURLToPath(new URL('../../examples/adapters/primes.mjs', import.meta.url));

/**
 * A coordinator in this process with one topic, `primes`, short leases and quick recovery,
 * on the given database, keys and files under `dir`; and an operator key to submit with.
 */
export async function startWorkCoordinator(
  dir: string,
  databaseUrl: string,
  adjust: (config: VigilConfig) => void = () => {},
): Promise<{ coordinator: RunningCoordinator; operatorKey: string }> {
  const config = defaultConfig();
  config.database_url = databaseUrl;
  config.port = 0;
  config.auth.signing_key_path = join(dir, 'coordinator.key');
  config.queue.lease_ms = 2000;
  config.queue.recover_interval_ms = 300;
  config.topics = [
    topicSchema.parse({
      name: 'primes',
      timeout_ms: 5000,
      max_attempts: 5,
      backoff: { kind: 'uniform', initial_ms: 100, max_ms: 100 },
    }),
  ];
  adjust(config);
  const coordinator = await startCoordinator(config, { log: silentLogger });
  const operator = await createApiKey(coordinator.store.db, 'operator', 'work run');
  return { coordinator, operatorKey: operator.key };
}

/** A worker host of its own node (registered with the operator key) running primes.mjs, retrying quickly. */
export function startPrimesWorker(
  coordinatorUrl: string,
  dir: string,
  operatorKey: string,
  concurrency: number,
): Promise<WorkerHost> {
  return startWorkerHost(
    workerConfigSchema.parse({
      coordinator_url: coordinatorUrl,
      key_path: join(dir, 'node.key'),
      data_dir: join(dir, 'worker'),
      request_timeout_ms: 2000,
      heartbeat_interval_ms: 300,
      claim_wait_ms: 500,
      retry_delay_ms: 100,
      outbox_max_backoff_ms: 500,
      topics: [{ topic: 'primes', concurrency, adapter: { kind: 'module', path: PRIMES } }],
    }),
    { env: { VIGIL_WORKER_API_KEY: operatorKey } },
  );
}

/** How many success outcomes each job has: outcome ids are `<job_id>:<attempt>`. */
export async function successesPerJob(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('job_outcomes').select('job_id').where('status', '=', 'success').execute();
  const perJob = new Map<string, number>();
  for (const { job_id } of rows) {
    const job = job_id.slice(0, job_id.lastIndexOf(':'));
    perJob.set(job, (perJob.get(job) ?? 0) + 1);
  }
  return perJob;
}
