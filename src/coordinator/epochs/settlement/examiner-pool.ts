import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PublicKeyInput } from '../../../core/crypto/ed25519.ts';
import type { ExaminedReport } from '../../../core/settlement/examine.ts';
import type { BatchMessage, FromExaminer, KeysMessage } from './messages.ts';

/** Threads that examine stored reports in parallel (see examineReportText). */
export interface ReportExaminerPool {
  readonly workers: number;
  /** Resolves once every thread has loaded; examining before that simply waits for them. */
  ready(): Promise<void>;
  /**
   * Every text examined with these keys, results in the order of `texts`. Calls run one
   * at a time. Rejects if a thread fails; the pool is closed then.
   */
  examine(
    texts: readonly string[],
    monitorKeys: ReadonlyMap<string, PublicKeyInput>,
  ): Promise<ExaminedReport[]>;
  /** Stops the threads; pending calls reject. */
  close(): Promise<void>;
}

export interface ReportExaminerPoolOptions {
  /** Threads to start; the machine's available parallelism by default. */
  workers?: number;
  /** Reports per message: big enough that messaging costs little, small enough to keep every thread busy. */
  batchSize?: number;
}

/** Batches a thread may hold at once, so it never waits for the main thread between two. */
const BATCHES_IN_FLIGHT = 2;

// Sources run as TypeScript (type stripping) and build to JavaScript: start whichever this is.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './examine-worker.ts' : './examine-worker.js',
  import.meta.url,
);

interface Job {
  texts: readonly string[];
  results: ExaminedReport[];
  next: number;
  left: number;
  resolve(results: ExaminedReport[]): void;
  reject(error: Error): void;
}

/** Starts the threads; they stay until `close()`. */
export function createReportExaminerPool({
  workers = availableParallelism(),
  batchSize = 64,
}: ReportExaminerPoolOptions = {}): ReportExaminerPool {
  if (!Number.isSafeInteger(workers) || workers < 1)
    throw new RangeError(`workers must be an integer ≥ 1, got ${workers}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be an integer ≥ 1, got ${batchSize}`);

  const threads = Array.from({ length: workers }, () => new Worker(WORKER_URL));
  const inFlight = new Map<Worker, number>(threads.map((t) => [t, 0]));
  let job: Job | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let failure: Error | null = null;
  let starting = workers;
  const started = Promise.withResolvers<void>();
  // Nobody may ever ask; a failure to start still reaches them through examine().
  started.promise.catch(() => {});

  function fail(error: Error): void {
    if (failure !== null) return;
    failure = error;
    started.reject(error);
    job?.reject(error);
    job = null;
    for (const thread of threads) void thread.terminate();
  }

  function feed(thread: Worker): void {
    while (job !== null && job.next < job.texts.length && (inFlight.get(thread) ?? 0) < BATCHES_IN_FLIGHT) {
      const first = job.next;
      job.next = Math.min(job.texts.length, first + batchSize);
      const message: BatchMessage = { type: 'batch', first, texts: job.texts.slice(first, job.next) };
      inFlight.set(thread, (inFlight.get(thread) ?? 0) + 1);
      thread.postMessage(message);
    }
  }

  for (const thread of threads) {
    thread.on('message', (reply: FromExaminer) => {
      if (reply.type === 'ready') {
        if (--starting === 0) started.resolve();
        return;
      }
      inFlight.set(thread, (inFlight.get(thread) ?? 1) - 1);
      if (job === null) return;
      if (reply.type === 'failed') {
        fail(new Error(`examining reports from ${reply.first} failed: ${reply.message}`));
        return;
      }
      const { results } = job;
      for (let i = 0; i < reply.examined.length; i++)
        results[reply.first + i] = reply.examined[i] as ExaminedReport;
      job.left -= reply.examined.length;
      if (job.left === 0) {
        const done = job;
        job = null;
        done.resolve(done.results);
      } else feed(thread);
    });
    thread.on('error', (error) => fail(error));
    thread.on('exit', (code) => fail(new Error(`a report examiner thread exited with code ${code}`)));
  }

  function run(texts: readonly string[], monitorKeys: ReadonlyMap<string, PublicKeyInput>) {
    return new Promise<ExaminedReport[]>((resolve, reject) => {
      if (failure !== null) return reject(failure);
      if (texts.length === 0) return resolve([]);
      const keys: KeysMessage = { type: 'keys', keys: [...monitorKeys] };
      for (const thread of threads) thread.postMessage(keys);
      job = { texts, results: new Array(texts.length), next: 0, left: texts.length, resolve, reject };
      for (const thread of threads) feed(thread);
    });
  }

  return {
    workers,
    ready: () => started.promise,
    examine(texts, monitorKeys) {
      const result = queue.then(() => run(texts, monitorKeys));
      queue = result.catch(() => {});
      return result;
    },
    async close() {
      fail(new Error('the report examiner pool is closed'));
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}
