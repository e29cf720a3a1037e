import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../src/config/index.ts';
import { topicSchema } from '../src/config/topic-schema.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../src/coordinator/server.ts';
import type { JobResult } from '../src/core/work/protocol.ts';
import { loadOrCreateIdentity } from '../src/node-client/identity.ts';
import { createSignedClient, type SignedClient } from '../src/node-client/signed-client.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createWorkerCalls, type WorkerCalls } from '../src/worker/coordinator-calls.ts';
import {
  type BackendName,
  createBenchDatabase,
  fmtInt,
  machine,
  parseBackends,
  parseCount,
} from './lib/common.ts';

/**
 * `npm run bench -- jobs [--backend sqlite|postgres|both] [--queue database|redis] [--jobs 5000]
 *   [--submitters 16] [--workers 8] [--batch 50]`
 *
 * The whole work path through a real coordinator over HTTP, where the `queue` benchmark
 * measures the queue alone: tenants submit jobs one per `POST /jobs` (API key, validation,
 * idempotency key, the record, the queue), then worker nodes claim batches with signed
 * requests and send each batch's results in one signed `POST /results` (the conditional
 * update, the attempt's outcome, rollups and response samples, the queue). The adapters do
 * nothing, so this is what the coordinator itself can carry.
 */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: 'both' },
      queue: { type: 'string', default: 'database' },
      jobs: { type: 'string' },
      submitters: { type: 'string' },
      workers: { type: 'string' },
      batch: { type: 'string' },
    },
  });
  if (values.queue !== 'database' && values.queue !== 'redis') {
    throw new Error(`--queue must be database or redis, not "${values.queue}"`);
  }
  const opts: Options = {
    queue: values.queue,
    jobs: parseCount(values.jobs, 5_000),
    submitters: parseCount(values.submitters, 16),
    workers: parseCount(values.workers, 8),
    batch: parseCount(values.batch, 50),
  };
  console.log(
    `jobs: ${fmtInt(opts.jobs)} jobs, ${opts.submitters} concurrent submitters, ${opts.workers} worker nodes ` +
      `claiming up to ${opts.batch} at a time, ${opts.queue} queue`,
  );
  console.log(`machine: ${machine()}`);
  for (const backend of parseBackends(values.backend)) await runBackend(backend, opts);
}

interface Options {
  queue: 'database' | 'redis';
  jobs: number;
  submitters: number;
  workers: number;
  batch: number;
}

async function runBackend(backend: BackendName, opts: Options): Promise<void> {
  console.log(`\n== ${backend} ==`);
  const db = await createBenchDatabase(backend);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-jobs-'));
  let coordinator: RunningCoordinator | undefined;
  const clients: SignedClient[] = [];
  try {
    const config = defaultConfig();
    config.database_url = db.databaseUrl;
    config.port = 0;
    config.auth.signing_key_path = join(dir, 'coordinator.key');
    config.queue.backend = opts.queue;
    config.queue.redis_prefix = `vigil-bench-${process.pid}`;
    config.topics = [topicSchema.parse({ name: 'bench' })];
    coordinator = await startCoordinator(config, { log: silentLogger });
    const base = coordinator.url;
    const operator = await createApiKey(coordinator.store.db, 'operator', 'bench');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${operator.key}` };

    // Worker nodes: registered, each with one declared worker serving the topic.
    const workers: Array<{ client: WorkerCalls; workerId: string }> = [];
    for (let i = 0; i < opts.workers; i++) {
      const nodeId = `bench-${i}`;
      const identity = await loadOrCreateIdentity(join(dir, `${nodeId}.key`));
      const registered = await fetch(`${base}/nodes`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ node_id: nodeId, public_key: identity.publicKey, max_parallel: opts.batch }),
      });
      if (registered.status !== 201) throw new Error(`registering ${nodeId}: ${await registered.text()}`);
      const signed = createSignedClient({
        baseUrl: base,
        nodeId,
        privateKey: identity.privateKey,
        requestTimeoutMs: 30_000,
      });
      clients.push(signed);
      const client = createWorkerCalls(signed);
      const workerId = `${nodeId}/main`;
      await client.sync({
        version: 'bench',
        workers: [
          {
            worker_id: workerId,
            pool: 'bench',
            declared: { topics: [{ topic: 'bench', concurrency: opts.batch }], verify_topics: [] },
            generation: 0,
            state: 'ready',
            reason: null,
            busy_slots: 0,
            queue_length: 0,
            benchmark: {},
            transitions: [],
          },
        ],
      });
      workers.push({ client, workerId });
    }

    // Tenants submit, one job per request.
    const submitLatencies: number[] = [];
    let next = 0;
    const submitStart = performance.now();
    await Promise.all(
      Array.from({ length: opts.submitters }, async () => {
        for (let n = next++; n < opts.jobs; n = next++) {
          const t = performance.now();
          const res = await fetch(`${base}/jobs`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              topic: 'bench',
              tenant_id: `tenant-${n % 4}`,
              payload: { n, text: 'x'.repeat(64) },
              idempotency_key: `bench-${n}`,
            }),
          });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`POST /jobs answered ${res.status}`);
          submitLatencies.push(performance.now() - t);
        }
      }),
    );
    const submitS = (performance.now() - submitStart) / 1000;

    // Workers claim batches and send each batch's results in one call until nothing is left.
    const claimLatencies: number[] = [];
    const resultLatencies: number[] = [];
    let done = 0;
    const workStart = performance.now();
    await Promise.all(
      workers.map(async ({ client, workerId }) => {
        for (;;) {
          let t = performance.now();
          const jobs = await client.claim('bench', { worker_id: workerId, max: opts.batch, wait_ms: 0 });
          claimLatencies.push(performance.now() - t);
          if (jobs.length === 0) return;
          const at = Date.now();
          const results: JobResult[] = jobs.map((job) => ({
            job_id: job.job_id,
            lease_token: job.lease_token,
            worker_id: workerId,
            status: 'success',
            result: { ok: true },
            started_at_ms: at,
            finished_at_ms: at,
          }));
          t = performance.now();
          const answer = await client.submitResults(results);
          resultLatencies.push(performance.now() - t);
          done += answer.items.filter((r) => r.disposition === 'recorded').length;
        }
      }),
    );
    const workS = (performance.now() - workStart) / 1000;
    if (done !== opts.jobs) throw new Error(`${done} of ${opts.jobs} results recorded`);

    console.log(
      table([
        ['', 'jobs/s', 'p50', 'p99'],
        [
          'submit (POST /jobs)',
          fmtInt(opts.jobs / submitS),
          ms(percentile(submitLatencies, 50)),
          ms(percentile(submitLatencies, 99)),
        ],
        [
          `claim + results (batches of ${opts.batch})`,
          fmtInt(opts.jobs / workS),
          `${ms(percentile(claimLatencies, 50))} / ${ms(percentile(resultLatencies, 50))}`,
          `${ms(percentile(claimLatencies, 99))} / ${ms(percentile(resultLatencies, 99))}`,
        ],
        ['end to end', fmtInt(opts.jobs / (submitS + workS)), '', ''],
      ]),
    );
    console.log('(claim + results latencies: claim call / results call)');
  } finally {
    for (const client of clients) await client.close();
    await coordinator?.close();
    await db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}
