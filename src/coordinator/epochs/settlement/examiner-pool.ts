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
  return new ExaminerThreads(workers, batchSize);
}

/**
 * The threads and the one job they share: each thread is kept fed with up to
 * BATCHES_IN_FLIGHT batches of the job, and the first failure of any thread fails the job and
 * closes the pool.
 */
class ExaminerThreads implements ReportExaminerPool {
  readonly workers: number;
  readonly #batchSize: number;
  readonly #threads: Worker[];
  readonly #inFlight: Map<Worker, number>;
  readonly #started = Promise.withResolvers<void>();
  #starting: number;
  #job: Job | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: Error | null = null;

  constructor(workers: number, batchSize: number) {
    this.workers = workers;
    this.#batchSize = batchSize;
    this.#starting = workers;
    // Nobody may ever ask; a failure to start still reaches them through examine().
    this.#started.promise.catch(() => {});
    this.#threads = Array.from({ length: workers }, () => new Worker(WORKER_URL));
    this.#inFlight = new Map(this.#threads.map((t) => [t, 0]));
    for (const thread of this.#threads) {
      thread.on('message', (reply: FromExaminer) => this.#onReply(thread, reply));
      thread.on('error', (error) => this.#fail(error));
      thread.on('exit', (code) => this.#fail(new Error(`a report examiner thread exited with code ${code}`)));
    }
  }

  ready(): Promise<void> {
    return this.#started.promise;
  }

  examine(
    texts: readonly string[],
    monitorKeys: ReadonlyMap<string, PublicKeyInput>,
  ): Promise<ExaminedReport[]> {
    const result = this.#queue.then(() => this.#run(texts, monitorKeys));
    this.#queue = result.catch(() => {});
    return result;
  }

  async close(): Promise<void> {
    this.#fail(new Error('the report examiner pool is closed'));
    await Promise.all(this.#threads.map((t) => t.terminate()));
  }

  #fail(error: Error): void {
    if (this.#failure !== null) return;
    this.#failure = error;
    this.#started.reject(error);
    this.#job?.reject(error);
    this.#job = null;
    for (const thread of this.#threads) void thread.terminate();
  }

  #feed(thread: Worker): void {
    const job = this.#job;
    while (
      job !== null &&
      job.next < job.texts.length &&
      (this.#inFlight.get(thread) ?? 0) < BATCHES_IN_FLIGHT
    ) {
      const first = job.next;
      job.next = Math.min(job.texts.length, first + this.#batchSize);
      const message: BatchMessage = { type: 'batch', first, texts: job.texts.slice(first, job.next) };
      this.#inFlight.set(thread, (this.#inFlight.get(thread) ?? 0) + 1);
      thread.postMessage(message);
    }
  }

  #onReply(thread: Worker, reply: FromExaminer): void {
    if (reply.type === 'ready') {
      if (--this.#starting === 0) this.#started.resolve();
      return;
    }
    this.#inFlight.set(thread, (this.#inFlight.get(thread) ?? 1) - 1);
    const job = this.#job;
    if (job === null) return;
    if (reply.type === 'failed') {
      this.#fail(new Error(`examining reports from ${reply.first} failed: ${reply.message}`));
      return;
    }
    for (let i = 0; i < reply.examined.length; i++)
      job.results[reply.first + i] = reply.examined[i] as ExaminedReport;
    job.left -= reply.examined.length;
    if (job.left === 0) {
      this.#job = null;
      job.resolve(job.results);
    } else this.#feed(thread);
  }

  #run(
    texts: readonly string[],
    monitorKeys: ReadonlyMap<string, PublicKeyInput>,
  ): Promise<ExaminedReport[]> {
    return new Promise<ExaminedReport[]>((resolve, reject) => {
      if (this.#failure !== null) return reject(this.#failure);
      if (texts.length === 0) return resolve([]);
      const keys: KeysMessage = { type: 'keys', keys: [...monitorKeys] };
      for (const thread of this.#threads) thread.postMessage(keys);
      this.#job = { texts, results: new Array(texts.length), next: 0, left: texts.length, resolve, reject };
      for (const thread of this.#threads) this.#feed(thread);
    });
  }
}
