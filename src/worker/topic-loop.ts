import type { ClaimedJob, JobResult } from '../core/work/protocol.ts';
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
  done: Promise<void>;
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
  const {
    workerId,
    topic,
    adapter,
    calls,
    outbox,
    leases,
    metrics,
    now = Date.now,
    random = Math.random,
  } = options;
  const log = options.log.child({ topic });
  let concurrency = options.concurrency;
  const inFlight = new Map<string, InFlight>();
  const slotFreed = createWaker();
  const claiming = new AbortController();

  function busyChanged(): void {
    metrics.busySlots.set({ topic }, inFlight.size);
    options.onBusyChange?.();
  }

  function resultOf(
    job: ClaimedJob,
    fields: Pick<JobResult, 'status' | 'result' | 'error'>,
    startedAtMs: number,
  ) {
    const result: JobResult = {
      job_id: job.job_id,
      lease_token: job.lease_token,
      worker_id: workerId,
      ...fields,
      started_at_ms: startedAtMs,
      finished_at_ms: Math.max(startedAtMs, Math.trunc(now())),
    };
    outbox.addResult(result);
    metrics.resultsBuilt.inc({ topic });
  }

  function start(job: ClaimedJob): void {
    const controller = new AbortController();
    const claimedAtMs = Math.trunc(now());
    let ended = false;
    const entry: InFlight = {
      job,
      controller,
      endedBy: null,
      done: Promise.resolve(),
      release() {
        if (ended) return;
        ended = true;
        letGo();
        resultOf(job, { status: 'released' }, claimedAtMs);
      },
    };
    const letGo: () => void = leases.hold(
      workerId,
      { job_id: job.job_id, lease_token: job.lease_token },
      (status) => {
        entry.endedBy = status;
        controller.abort(new Error(`lease ${status}`));
      },
    );
    inFlight.set(job.job_id, entry);
    busyChanged();
    entry.done = (async () => {
      try {
        const run = await runWithRetries({
          job,
          adapter,
          policy: { ...options.retry, maxDelayMs: options.leaseMs() },
          signal: controller.signal,
          now,
          random,
          onAttempt: () => metrics.adapterRequests.inc({ topic, kind: adapter.kind }),
          onRetry: (retry, delayMs, failure) => {
            metrics.retries.inc({ topic });
            log.debug(
              { job_id: job.job_id, retry, delay_ms: delayMs, error: failure.ok ? null : failure.error },
              'retrying the job after a retryable failure',
            );
          },
        });
        if (ended) return;
        ended = true;
        if (entry.endedBy === 'cancelled' || entry.endedBy === 'lost') {
          log.info(
            { job_id: job.job_id, lease: entry.endedBy },
            'job stopped; its lease is gone, nothing sent',
          );
        } else if (entry.endedBy === 'drain') {
          resultOf(job, { status: 'released' }, run.startedAtMs);
        } else if (run.outcome.ok) {
          resultOf(job, { status: 'success', result: run.outcome.result }, run.startedAtMs);
        } else {
          log.debug({ job_id: job.job_id, error: run.outcome.error }, 'job failed');
          resultOf(job, { status: 'failure', error: run.outcome.error }, run.startedAtMs);
        }
      } catch (error) {
        // The outbox could not store the result: the lease will expire and the job run again.
        log.error(
          { job_id: job.job_id, error: (error as Error).message },
          'could not record the job’s result',
        );
      } finally {
        letGo();
        inFlight.delete(job.job_id);
        busyChanged();
        slotFreed.wake();
      }
    })();
  }

  async function claimLoop(): Promise<void> {
    let failures = 0;
    while (!claiming.signal.aborted) {
      const free = Math.min(MAX_CLAIM, concurrency - inFlight.size);
      if (free <= 0) {
        await slotFreed.sleep(60_000);
        continue;
      }
      const askedAt = now();
      let jobs: ClaimedJob[];
      try {
        jobs = await calls.claim(
          topic,
          { worker_id: workerId, max: free, wait_ms: options.claimWaitMs },
          claiming.signal,
        );
        failures = 0;
      } catch (error) {
        if (error instanceof CallAbortedError || claiming.signal.aborted) return;
        if (error instanceof CoordinatorError && !error.retryable) {
          const action = options.onRefusal(error);
          log.warn({ status: error.status, slug: error.slug, action }, `claim refused: ${error.message}`);
          if (action === 'stop') return;
          await sleep(options.pauseMs, claiming.signal);
          continue;
        }
        failures++;
        const waitMs = Math.min(30_000, 500 * 2 ** Math.min(failures - 1, 10)) * (0.5 + random() / 2);
        log.warn(
          { failures, retry_in_ms: Math.round(waitMs), error: (error as Error).message },
          'claim failed',
        );
        await sleep(waitMs, claiming.signal);
        continue;
      }
      metrics.jobsClaimed.inc({ topic }, jobs.length);
      if (jobs.length > 0) log.debug({ jobs: jobs.map((j) => j.job_id) }, 'claimed');
      if (claiming.signal.aborted) {
        // Claimed as the drain began: these leases are ours, so give them back at once, unrun.
        for (const job of jobs) resultOf(job, { status: 'released' }, Math.trunc(now()));
        return;
      }
      for (const job of jobs) start(job);
      if (jobs.length === 0 && now() - askedAt < Math.min(options.claimWaitMs, EMPTY_ANSWER_PAUSE_MS)) {
        await sleep(EMPTY_ANSWER_PAUSE_MS, claiming.signal);
      }
    }
  }

  function stopJob(entry: InFlight): void {
    if (entry.endedBy === null) entry.endedBy = 'drain';
    entry.controller.abort(new Error('draining'));
  }

  const claimer = claimLoop().catch((error: Error) => {
    log.error({ error: error.message }, 'claim loop failed');
  });

  function stopClaiming(): void {
    if (!claiming.signal.aborted) claiming.abort(new Error('stopped claiming'));
    slotFreed.wake();
  }

  return {
    topic,
    get busy() {
      return inFlight.size;
    },
    get concurrency() {
      return concurrency;
    },
    resize(next) {
      concurrency = next;
      slotFreed.wake();
    },
    stopClaiming,
    async drain(timeoutMs) {
      stopClaiming();
      await claimer;
      const all = () => Promise.all([...inFlight.values()].map((e) => e.done));
      if (await settlesWithin(all(), timeoutMs)) return;
      const left = [...inFlight.values()];
      log.warn({ jobs: left.length }, 'drain time is up; stopping jobs and releasing them');
      for (const entry of left) stopJob(entry);
      if (await settlesWithin(all(), ABORT_GRACE_MS)) return;
      // An adapter that ignores its abort: the job goes back now, its late end is dropped.
      for (const entry of inFlight.values()) entry.release();
    },
  };
}
