import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { silentLogger } from '../src/platform/log.ts';
import { createDatabaseQueue } from '../src/queue/database/queue.ts';
import type { EnqueueItem, JobQueue } from '../src/queue/queue.ts';
import { createRedisQueue } from '../src/queue/redis/queue.ts';
import { openStore } from '../src/store/store.ts';
import { createBenchDatabase, fmtInt, machine, parseCount } from './lib/common.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';

/**
 * `npm run bench -- queue [--backend sqlite,postgres,redis,bullmq] [--jobs 20000]
 *   [--claimers 8] [--batch 50] [--enqueue-batch 100] [--bullmq-concurrency 400] [--repeat 3] [--quiet-load L]`
 *
 * The queue alone, through the JobQueue interface: enqueue N jobs (batches of
 * `--enqueue-batch`), then `--claimers` concurrent claim loops, each claiming up to `--batch`
 * items and completing every one of them (the completes of a batch concurrently, as the
 * worker slots that ran them would finish), until the topic is empty. The same work is done by
 * plain BullMQ on the same Redis: `Queue.addBulk` in the same batches, then one `Worker` whose
 * processor does nothing, with as many jobs in flight as our claimers hold.
 */
const TARGET_JOBS_PER_S: Record<string, number> = { sqlite: 2_000, postgres: 2_000, redis: 5_000 };
const TARGET_RATIO_TO_BULLMQ = 0.8;
const ALL = ['sqlite', 'postgres', 'redis', 'bullmq'] as const;
type BackendName = (typeof ALL)[number];

interface Options {
  jobs: number;
  claimers: number;
  batch: number;
  enqueueBatch: number;
  bullmqConcurrency: number;
  repeat: number;
  quietLoad: number | undefined;
  redisUrl: string;
}

interface RunFigures {
  enqueueMs: number;
  drainMs: number;
  /** Per claim call, ms (ours only). */
  claimLatenciesMs: number[];
  /** CPU of this process (the coordinator's side) during the run, ms. */
  nodeCpuMs?: number;
  /** CPU of the Redis server during the run (INFO cpu), ms; other clients of that Redis count too. */
  redisCpuMs?: number;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: ALL.join(',') },
      jobs: { type: 'string' },
      claimers: { type: 'string' },
      batch: { type: 'string' },
      'enqueue-batch': { type: 'string' },
      'bullmq-concurrency': { type: 'string' },
      repeat: { type: 'string' },
      'quiet-load': { type: 'string' },
      'redis-url': { type: 'string' },
    },
  });
  const backends = values.backend.split(',').map((b) => {
    if (!(ALL as readonly string[]).includes(b))
      throw new Error(`--backend takes ${ALL.join(', ')}, not "${b}"`);
    return b as BackendName;
  });
  const claimers = parseCount(values.claimers, 8);
  const batch = parseCount(values.batch, 50);
  const opts: Options = {
    jobs: parseCount(values.jobs, 20_000),
    claimers,
    batch,
    enqueueBatch: parseCount(values['enqueue-batch'], 100),
    bullmqConcurrency: parseCount(values['bullmq-concurrency'], claimers * batch),
    repeat: Math.max(1, parseCount(values.repeat, 3)),
    quietLoad: values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']),
    redisUrl: values['redis-url'] ?? process.env.VIGIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
  console.log(
    `queue: ${fmtInt(opts.jobs)} jobs per run, enqueued in batches of ${opts.enqueueBatch}; ` +
      `${opts.claimers} claimers × batches of ${opts.batch}, each job completed; ` +
      `BullMQ worker concurrency ${opts.bullmqConcurrency}; ${opts.repeat} runs after a warm-up, medians shown`,
  );
  console.log(`machine: ${machine()}`);

  // Runs alternate between backends, so a busy neighbour on a shared machine slows all of
  // them alike instead of one backend's every run.
  const results = new Map<BackendName, RunFigures[] | string>();
  const runners = new Map<BackendName, Runner>();
  try {
    for (const backend of backends) {
      try {
        const runner = await openRunner(backend, opts);
        runners.set(backend, runner);
        await runner.run(Math.min(2_000, opts.jobs)); // warm-up: JIT, scripts and statements loaded
        results.set(backend, []);
      } catch (error) {
        results.set(backend, `skipped: ${(error as Error).message}`);
      }
    }
    for (let r = 1; r <= opts.repeat; r++) {
      for (const [backend, runner] of runners) {
        const load = await waitForQuietLoad(opts.quietLoad);
        const usesRedis = backend === 'redis' || backend === 'bullmq';
        const cpu = process.cpuUsage();
        const redisCpu = usesRedis ? await redisCpuMs(opts.redisUrl) : 0;
        const figures = await runner.run(opts.jobs);
        const nodeCpu = process.cpuUsage(cpu);
        figures.nodeCpuMs = (nodeCpu.user + nodeCpu.system) / 1000;
        if (usesRedis) figures.redisCpuMs = (await redisCpuMs(opts.redisUrl)) - redisCpu;
        (results.get(backend) as RunFigures[]).push(figures);
        console.log(
          `run ${r} ${backend.padEnd(8)} ${describeRun(figures, opts.jobs)} [load ${load.toFixed(1)}]`,
        );
      }
    }
  } finally {
    for (const runner of runners.values()) await runner.close();
  }
  printTable(results, opts.jobs);
}

function openRunner(backend: BackendName, opts: Options): Promise<Runner> {
  if (backend === 'bullmq')
    return Promise.resolve({ run: (jobs) => runBullmq(opts, jobs), close: async () => {} });
  return openOurs(backend, opts);
}

interface Runner {
  run(jobs: number): Promise<RunFigures>;
  close(): Promise<void>;
}

/** One of our backends, opened once for all runs; each run uses a topic of its own. */
async function openOurs(backend: Exclude<BackendName, 'bullmq'>, opts: Options): Promise<Runner> {
  let queue: JobQueue;
  let cleanup: () => Promise<void>;
  if (backend === 'redis') {
    const prefix = `vigil-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    queue = await createRedisQueue({ url: opts.redisUrl, prefix, log: silentLogger });
    cleanup = () => deleteKeys(opts.redisUrl, `${prefix}:*`);
  } else {
    const db = await createBenchDatabase(backend);
    const store = openStore({ databaseUrl: db.databaseUrl });
    await store.migrate();
    queue = createDatabaseQueue(store);
    cleanup = async () => {
      await store.close();
      await db.cleanup();
    };
  }
  let round = 0;
  return {
    run: (jobs) => runOurs(queue, `bench-${round++}`, jobs, opts),
    async close() {
      await queue.close();
      await cleanup();
    },
  };
}

async function runOurs(queue: JobQueue, topic: string, jobs: number, opts: Options): Promise<RunFigures> {
  const t0 = performance.now();
  for (let start = 0; start < jobs; start += opts.enqueueBatch) {
    const items: EnqueueItem[] = [];
    for (let i = start; i < Math.min(jobs, start + opts.enqueueBatch); i++) {
      items.push({
        id: `${topic}-${i}`,
        topic,
        payload: `{"n":${i}}`,
        attempts: 0,
        maxAttempts: 3,
        availableAt: Date.now(),
      });
    }
    await queue.enqueue(items, Date.now());
  }
  const t1 = performance.now();
  const claimLatenciesMs: number[] = [];
  let completed = 0;
  const claimer = async (owner: string) => {
    for (;;) {
      const started = performance.now();
      const leases = await queue.claim({ topic, owner, max: opts.batch, leaseMs: 30_000, now: Date.now() });
      claimLatenciesMs.push(performance.now() - started);
      if (leases.length === 0) return;
      const done = await Promise.all(leases.map((lease) => queue.complete(lease.id, lease.token)));
      completed += done.filter(Boolean).length;
    }
  };
  await Promise.all(Array.from({ length: opts.claimers }, (_, i) => claimer(`bench/worker-${i}`)));
  const t2 = performance.now();
  if (completed !== jobs) throw new Error(`completed ${completed} of ${jobs} jobs`);
  return { enqueueMs: t1 - t0, drainMs: t2 - t1, claimLatenciesMs };
}

/** Plain BullMQ doing the same work: addBulk, then a worker whose processor does nothing. */
async function runBullmq(opts: Options, jobs: number): Promise<RunFigures> {
  const url = new URL(opts.redisUrl);
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    maxRetriesPerRequest: null,
  };
  const name = `vigil-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const prefix = 'vigil-bench-bull';
  const queue = new Queue(name, { connection, prefix });
  const worker = new Worker(name, async () => {}, {
    connection,
    prefix,
    concurrency: opts.bullmqConcurrency,
    autorun: false,
  });
  try {
    await queue.waitUntilReady();
    await worker.waitUntilReady();
    const t0 = performance.now();
    for (let start = 0; start < jobs; start += opts.enqueueBatch) {
      const bulk = [];
      for (let i = start; i < Math.min(jobs, start + opts.enqueueBatch); i++) {
        bulk.push({
          name: 'job',
          data: { n: i },
          opts: { jobId: `job-${i}`, removeOnComplete: true, removeOnFail: true },
        });
      }
      await queue.addBulk(bulk);
    }
    const t1 = performance.now();
    let completed = 0;
    const drained = new Promise<void>((resolve) => {
      worker.on('completed', () => {
        if (++completed === jobs) resolve();
      });
    });
    void worker.run();
    await drained;
    const t2 = performance.now();
    return { enqueueMs: t1 - t0, drainMs: t2 - t1, claimLatenciesMs: [] };
  } finally {
    await worker.close(true);
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

/** The Redis server's CPU time so far (user + system, all its threads), ms. */
async function redisCpuMs(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('cpu');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
  } finally {
    redis.disconnect();
  }
}

async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const rate = (jobs: number, ms: number) => (jobs * 1000) / ms;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function describeRun(f: RunFigures, jobs: number): string {
  const latency =
    f.claimLatenciesMs.length === 0
      ? ''
      : `, claim p50 ${percentile(f.claimLatenciesMs, 0.5).toFixed(1)} ms p99 ${percentile(f.claimLatenciesMs, 0.99).toFixed(1)} ms`;
  return (
    `${fmtInt(rate(jobs, f.enqueueMs + f.drainMs))} jobs/s overall ` +
    `(enqueue ${fmtInt(rate(jobs, f.enqueueMs))}/s, claim+complete ${fmtInt(rate(jobs, f.drainMs))}/s)${latency}` +
    `, CPU ms per 1,000 jobs: Node ${perThousand(f.nodeCpuMs, jobs)}, Redis ${perThousand(f.redisCpuMs, jobs)}`
  );
}

function perThousand(ms: number | undefined, jobs: number): string {
  return ms === undefined ? '–' : ((ms * 1000) / jobs).toFixed(0);
}

function medianOf(
  runs: readonly RunFigures[],
  pick: (f: RunFigures) => number | undefined,
): number | undefined {
  const values = runs.map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

function printTable(results: Map<BackendName, RunFigures[] | string>, jobs: number): void {
  const overall = new Map<BackendName, number>();
  const rows: string[][] = [];
  for (const [backend, runs] of results) {
    if (typeof runs === 'string') {
      rows.push([backend, runs, '', '', '', '', '', '']);
      continue;
    }
    const total = median(runs.map((f) => rate(jobs, f.enqueueMs + f.drainMs)));
    overall.set(backend, total);
    const latencies = runs.flatMap((f) => f.claimLatenciesMs);
    const target = TARGET_JOBS_PER_S[backend];
    rows.push([
      backend,
      fmtInt(total),
      fmtInt(median(runs.map((f) => rate(jobs, f.enqueueMs)))),
      fmtInt(median(runs.map((f) => rate(jobs, f.drainMs)))),
      latencies.length === 0
        ? '–'
        : `${percentile(latencies, 0.5).toFixed(1)} / ${percentile(latencies, 0.99).toFixed(1)}`,
      `${perThousand(
        medianOf(runs, (f) => f.nodeCpuMs),
        jobs,
      )} / ${perThousand(
        medianOf(runs, (f) => f.redisCpuMs),
        jobs,
      )}`,
      target === undefined ? '–' : `≥ ${fmtInt(target)}`,
      target === undefined ? '' : total >= target ? 'met' : 'MISSED',
    ]);
  }
  const head = [
    'backend',
    'jobs/s overall',
    'enqueue/s',
    'claim+complete/s',
    'claim ms p50 / p99',
    'CPU ms per 1k jobs, Node / Redis',
    'target',
    '',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));

  const ours = overall.get('redis');
  const theirs = overall.get('bullmq');
  if (ours !== undefined && theirs !== undefined) {
    const ratio = ours / theirs;
    console.log(
      `\nRedis / BullMQ: ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO_TO_BULLMQ}×: ${ratio >= TARGET_RATIO_TO_BULLMQ ? 'met' : 'MISSED'})`,
    );
  }
}
