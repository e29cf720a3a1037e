import { type ClaimedJob, type JobResult, MAX_ERROR_MESSAGE_CHARS, wireText } from '../core/work/protocol.ts';
import { CallAbortedError, CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createWaker, settlesWithin, sleep } from '../platform/wait.ts';
import type { Adapter } from './adapters/index.ts';
import type { WorkerCalls } from './coordinator-calls.ts';
import type { LeaseGone, LeaseKeeper } from './leases.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import { type RetryPolicy, runWithRetries } from './run-job.ts';

/** The contract's largest claim. */
const MAX_CLAIM = 100;
/** An empty answer that came back this fast did not wait (claim_wait_ms 0): pause before asking again. */
const EMPTY_ANSWER_PAUSE_MS = 1_000;
/** After the drain's abort, how long adapters get to notice before their jobs are released anyway. */
const ABORT_GRACE_MS = 5_000;

/** What the loop does after a claim the coordinator refused for good. */
export type RefusalAction = 'stop' | 'pause';

export interface TopicLoopOptions {
  workerId: string;
  topic: string;
  concurrency: number;
  adapter: Adapter;
  retry: Omit<RetryPolicy, 'maxDelayMs'>;
  claimWaitMs: number;
  /** The coordinator's current lease length: the longest single retry wait. */
  leaseMs: () => number;
  /** How long to wait before claiming again after a refusal that may clear (a sync first). */
  pauseMs: number;
  calls: WorkerCalls;
  outbox: Outbox;
  leases: LeaseKeeper;
  metrics: WorkerMetrics;
  log: Logger;
  now?: () => number;
  random?: () => number;
  onBusyChange?: () => void;
  /** A claim refused with a 4xx other than a retryable one: the worker decides. */
  onRefusal: (error: CoordinatorError) => RefusalAction;
}

export interface TopicLoop {
  readonly topic: string;
  readonly busy: number;
  readonly concurrency: number;
  /** Changes the number of slots; running jobs are never cut, extra ones just are not refilled. */
  resize(concurrency: number): void;
  /** No new claims (a pending long poll is abandoned); jobs in flight go on. */
  stopClaiming(): void;
  /**
   * Stops claiming and gives jobs in flight `timeoutMs` to finish; then aborts them and sends
   * each back as `released`. Resolves when every job has ended.
   */
  drain(timeoutMs: number): Promise<void>;
}

interface InFlight {
  job: ClaimedJob;
  controller: AbortController;
  /** Set when the lease went away or the drain gave up on the job. */
  endedBy: LeaseGone | 'drain' | null;
  /** Whether the job's result (or its release) is decided; a later end is dropped. */
  ended: boolean;
  done: Promise<void>;
  /** Stops keeping the job's lease. */
  letGo: () => void;
  /** Sends the job back (`released`) now unless it has ended; its late end is then dropped. */
  release(): void;
}

/**
 * One topic of one worker: `concurrency` slots fed by a single claimer. The claimer asks for
 * as many jobs as there are free slots (a long poll of `claimWaitMs`), so N idle slots cost one
 * waiting call, not N. Each job runs with retries under a lease the host's lease keeper
 * extends, and its result goes to the outbox; a lease answered `cancelled` or `lost` stops the
 * job and sends nothing.
 */
export function startTopicLoop(options: TopicLoopOptions): TopicLoop {
  return new Loop(options);
}

class Loop implements TopicLoop {
  readonly topic: string;
  readonly #o: TopicLoopOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  #concurrency: number;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #slotFreed = createWaker();
  readonly #claiming = new AbortController();
  readonly #claimer: Promise<void>;

  constructor(options: TopicLoopOptions) {
    this.#o = options;
    this.topic = options.topic;
    this.#log = options.log.child({ topic: options.topic });
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#concurrency = options.concurrency;
    this.#claimer = this.#claimLoop().catch((error: Error) => {
      this.#log.error({ error: error.message }, 'claim loop failed');
    });
  }

  get busy(): number {
    return this.#inFlight.size;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  resize(next: number): void {
    this.#concurrency = next;
    this.#slotFreed.wake();
  }

  stopClaiming(): void {
    if (!this.#claiming.signal.aborted) this.#claiming.abort(new Error('stopped claiming'));
    this.#slotFreed.wake();
  }

  async drain(timeoutMs: number): Promise<void> {
    this.stopClaiming();
    await this.#claimer;
    const all = () => Promise.all([...this.#inFlight.values()].map((e) => e.done));
    if (await settlesWithin(all(), timeoutMs)) return;
    const left = [...this.#inFlight.values()];
    this.#log.warn({ jobs: left.length }, 'drain time is up; stopping jobs and releasing them');
    for (const entry of left) {
      if (entry.endedBy === null) entry.endedBy = 'drain';
      entry.controller.abort(new Error('draining'));
    }
    if (await settlesWithin(all(), ABORT_GRACE_MS)) return;
    // An adapter that ignores its abort: the job goes back now, its late end is dropped.
    for (const entry of this.#inFlight.values()) entry.release();
  }

  async #claimLoop(): Promise<void> {
    const signal = this.#claiming.signal;
    let failures = 0;
    while (!signal.aborted) {
      const free = Math.min(MAX_CLAIM, this.#concurrency - this.#inFlight.size);
      if (free <= 0) {
        await this.#slotFreed.sleep(60_000);
        continue;
      }
      const askedAt = this.#now();
      let jobs: ClaimedJob[];
      try {
        jobs = await this.#o.calls.claim(
          this.topic,
          { worker_id: this.#o.workerId, max: free, wait_ms: this.#o.claimWaitMs },
          signal,
        );
        failures = 0;
      } catch (error) {
        if (error instanceof CallAbortedError || signal.aborted) return;
        if (error instanceof CoordinatorError && !error.retryable) {
          if (!(await this.#refused(error))) return;
          continue;
        }
        failures++;
        await this.#claimFailed(failures, error as Error);
        continue;
      }
      this.#o.metrics.jobsClaimed.inc({ topic: this.topic }, jobs.length);
      if (jobs.length > 0) this.#log.debug({ jobs: jobs.map((j) => j.job_id) }, 'claimed');
      if (signal.aborted) {
        // Claimed as the drain began: these leases are ours, so give them back at once, unrun.
        for (const job of jobs) this.#sendResult(job, { status: 'released' }, Math.trunc(this.#now()));
        return;
      }
      for (const job of jobs) this.#start(job);
      if (jobs.length === 0 && this.#now() - askedAt < Math.min(this.#o.claimWaitMs, EMPTY_ANSWER_PAUSE_MS)) {
        await sleep(EMPTY_ANSWER_PAUSE_MS, signal);
      }
    }
  }

  /** A claim refused for good: the worker decides; false when claiming stops. */
  async #refused(error: CoordinatorError): Promise<boolean> {
    const action = this.#o.onRefusal(error);
    this.#log.warn({ status: error.status, slug: error.slug, action }, `claim refused: ${error.message}`);
    if (action === 'stop') return false;
    await sleep(this.#o.pauseMs, this.#claiming.signal);
    return true;
  }

  async #claimFailed(failures: number, error: Error): Promise<void> {
    const waitMs = Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 10)) * (0.5 + this.#random() / 2);
    this.#log.warn({ failures, retry_in_ms: Math.round(waitMs), error: error.message }, 'claim failed');
    await sleep(waitMs, this.#claiming.signal);
  }

  #busyChanged(): void {
    this.#o.metrics.busySlots.set({ topic: this.topic }, this.#inFlight.size);
    this.#o.onBusyChange?.();
  }

  #sendResult(
    job: ClaimedJob,
    fields: Pick<JobResult, 'status' | 'result' | 'error'>,
    startedAtMs: number,
  ): void {
    const result: JobResult = {
      job_id: job.job_id,
      lease_token: job.lease_token,
      worker_id: this.#o.workerId,
      ...fields,
      ...(fields.error === undefined
        ? {}
        : { error: { ...fields.error, message: wireText(fields.error.message, MAX_ERROR_MESSAGE_CHARS) } }),
      started_at_ms: startedAtMs,
      finished_at_ms: Math.max(startedAtMs, Math.trunc(this.#now())),
    };
    this.#o.outbox.addResult(result);
    this.#o.metrics.resultsBuilt.inc({ topic: this.topic });
  }

  /** Runs a claimed job in a slot of its own, under a lease kept until it ends. */
  #start(job: ClaimedJob): void {
    const controller = new AbortController();
    const claimedAtMs = Math.trunc(this.#now());
    const entry: InFlight = {
      job,
      controller,
      endedBy: null,
      ended: false,
      done: Promise.resolve(),
      letGo: () => {},
      release: () => {
        if (entry.ended) return;
        entry.ended = true;
        entry.letGo();
        this.#sendResult(job, { status: 'released' }, claimedAtMs);
      },
    };
    entry.letGo = this.#o.leases.hold(
      this.#o.workerId,
      { job_id: job.job_id, lease_token: job.lease_token },
      (status) => {
        entry.endedBy = status;
        controller.abort(new Error(`lease ${status}`));
      },
    );
    this.#inFlight.set(job.job_id, entry);
    this.#busyChanged();
    entry.done = this.#run(entry);
  }

  async #run(entry: InFlight): Promise<void> {
    const { job } = entry;
    const { adapter, metrics } = this.#o;
    const topic = this.topic;
    try {
      const run = await runWithRetries({
        job,
        adapter,
        policy: { ...this.#o.retry, maxDelayMs: this.#o.leaseMs() },
        signal: entry.controller.signal,
        now: this.#now,
        random: this.#random,
        onAttempt: () => metrics.adapterRequests.inc({ topic, kind: adapter.kind }),
        onRetry: (retry, delayMs, failure) => {
          metrics.retries.inc({ topic });
          this.#log.debug(
            { job_id: job.job_id, retry, delay_ms: delayMs, error: failure.ok ? null : failure.error },
            'retrying the job after a retryable failure',
          );
        },
      });
      if (entry.ended) return;
      entry.ended = true;
      this.#finished(entry, run);
    } catch (error) {
      // The outbox could not store the result: the lease will expire and the job run again.
      this.#log.error(
        { job_id: job.job_id, error: (error as Error).message },
        'could not record the job’s result',
      );
    } finally {
      entry.letGo();
      this.#inFlight.delete(job.job_id);
      this.#busyChanged();
      this.#slotFreed.wake();
    }
  }

  /** What a job that ran to its end sends: nothing when its lease is gone, else its outcome. */
  #finished(entry: InFlight, run: Awaited<ReturnType<typeof runWithRetries>>): void {
    const { job } = entry;
    if (entry.endedBy === 'cancelled' || entry.endedBy === 'lost') {
      this.#log.info(
        { job_id: job.job_id, lease: entry.endedBy },
        'job stopped; its lease is gone, nothing sent',
      );
    } else if (entry.endedBy === 'drain') {
      this.#sendResult(job, { status: 'released' }, run.startedAtMs);
    } else if (run.outcome.ok) {
      this.#sendResult(job, { status: 'success', result: run.outcome.result }, run.startedAtMs);
    } else {
      this.#log.debug({ job_id: job.job_id, error: run.outcome.error }, 'job failed');
      this.#sendResult(job, { status: 'failure', error: run.outcome.error }, run.startedAtMs);
    }
  }
}
