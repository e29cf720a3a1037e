import type { Registry } from 'prom-client';
import type { VigilConfig } from '../../config/schema.ts';
import type { Logger } from '../../platform/log.ts';
import type { JobQueue } from '../../queue/queue.ts';
import {
  getJob,
  type JobFilter,
  type JobRow,
  listJobs,
  transitionJob,
} from '../../store/repositories/jobs.ts';
import type { Store } from '../../store/store.ts';
import { Conflict, NotFound } from '../errors.ts';
import type { Schedule } from '../scheduler.ts';
import { type ClaimedJob, type ClaimRequest, claimJobs } from './claim.ts';
import type { WorkContext } from './context.ts';
import { extendLeases, type LeaseStanding } from './leases.ts';
import { createJobMetrics } from './metrics.ts';
import { type AttemptOutcome, attemptOutcomes } from './outcomes.ts';
import { type ReconcileSummary, reconcile } from './reconciler.ts';
import { recoverExpiredLeases } from './recovery.ts';
import { type Disposition, type ResultItem, recordResults } from './results.ts';
import { type Submission, submitJob } from './submit.ts';
import { type ClaimWaiters, createClaimWaiters } from './waiters.ts';

/**
 * Jobs from submission to outcome: the `jobs` table is their record, the queue dispatches
 * them (docs/decisions/0017-jobs-table-is-the-record.md).
 */
export interface JobService {
  readonly queue: JobQueue;
  readonly waiters: ClaimWaiters;
  submit(submission: Submission): Promise<{ job: JobRow; created: boolean }>;
  /** A job the caller may see (`tenant`: only that tenant's; null: any); 404 otherwise. */
  get(jobId: string, tenant: string | null): Promise<JobRow>;
  list(filter: JobFilter): Promise<JobRow[]>;
  /** A job the caller may see with the outcomes recorded for its attempts, first attempt first. */
  attempts(jobId: string, tenant: string | null): Promise<{ job: JobRow; outcomes: AttemptOutcome[] }>;
  cancel(jobId: string, tenant: string | null): Promise<JobRow>;
  claim(request: ClaimRequest): Promise<ClaimedJob[]>;
  extend(request: {
    nodeId: string;
    workerId: string;
    leases: ReadonlyArray<{ job_id: string; lease_token: string }>;
  }): Promise<LeaseStanding[]>;
  results(
    nodeId: string,
    items: readonly ResultItem[],
  ): Promise<Array<{ job_id: string; disposition: Disposition }>>;
  /** Settles leases that ran out (the recovery schedule's step). */
  recoverExpired(): Promise<{ recovered: number }>;
  /**
   * Re-offers unfinished jobs the queue lost (the reconciler's step); `everything` after the
   * queue reported losing its contents, else only jobs untouched for two leases.
   */
  reconcile(options?: { everything?: boolean }): Promise<ReconcileSummary>;
  /** Answers every waiting claim now and every later one at once: call before the API closes. */
  close(): void;
}

export interface JobServiceOptions {
  store: Store;
  queue: JobQueue;
  config: VigilConfig;
  /** The coordinator's metrics registry; the job and queue metrics are added to it. */
  registry: Registry;
  log: Logger;
  now: () => number;
  random?: () => number;
  /** How often a long-polling claim looks at the queue when no wake-up comes. */
  claimPollMs?: number;
}

export function createJobService({
  store,
  queue,
  config,
  registry,
  log,
  now,
  random = Math.random,
  claimPollMs,
}: JobServiceOptions): JobService {
  const metrics = createJobMetrics(registry, {
    queueStats: () => queue.stats(now()),
    onError: (err) => log.warn({ err }, 'queue stats unavailable for /metrics'),
  });
  const waiters = createClaimWaiters();
  const ctx: WorkContext = { store, queue, config, metrics, waiters, log, now, random };
  // The scheduled run and one triggered by a queue that lost its contents never overlap.
  let reconciling: Promise<unknown> = Promise.resolve();

  async function visible(jobId: string, tenant: string | null): Promise<JobRow> {
    const row = await getJob(store.db, jobId);
    // Another tenant's job is answered like a missing one: its existence is not theirs to learn.
    if (row === undefined || (tenant !== null && row.tenant_id !== tenant)) {
      throw new NotFound('not-found', 'Not found', `there is no job ${jobId}`);
    }
    return row;
  }

  return {
    queue,
    waiters,
    submit: (submission) => submitJob(ctx, submission),
    get: visible,
    list: (filter) => listJobs(store.db, filter),
    async attempts(jobId, tenant) {
      const job = await visible(jobId, tenant);
      return { job, outcomes: await attemptOutcomes(store.db, job) };
    },
    async cancel(jobId, tenant) {
      for (;;) {
        const row = await visible(jobId, tenant);
        if (row.status === 'cancelled') return row;
        if (row.status !== 'queued' && row.status !== 'running') {
          throw new Conflict(
            'job-finished',
            'Job finished',
            `job ${jobId} is already ${row.status}; only queued or running jobs can be cancelled`,
            { extras: { job_status: row.status } },
          );
        }
        const at = now();
        const cancelled = await transitionJob(
          store.db,
          jobId,
          { status: row.status, leaseToken: row.lease_token },
          { status: 'cancelled', lease_token: null, finished_at: at, updated_at: at },
        );
        // Lost a race with a claim or a result: look again.
        if (!cancelled) continue;
        // A running job's worker learns it at its next extend or result, and stops.
        await queue.remove(jobId);
        return (await getJob(store.db, jobId)) ?? row;
      }
    },
    claim: (request) => claimJobs(ctx, request, claimPollMs === undefined ? {} : { pollMs: claimPollMs }),
    extend: (request) => extendLeases(ctx, request),
    results: (nodeId, items) => recordResults(ctx, nodeId, items),
    recoverExpired: () => recoverExpiredLeases(ctx),
    reconcile({ everything = false } = {}) {
      const run = reconciling.then(() =>
        reconcile(ctx, { minAgeMs: everything ? 0 : 2 * config.queue.lease_ms }),
      );
      reconciling = run.catch(() => {});
      return run;
    },
    close: () => waiters.close(),
  };
}

/** Lease recovery and queue reconciliation, the job service's periodic steps. */
export function jobSchedules(
  jobs: JobService,
  queue: Pick<VigilConfig['queue'], 'recover_interval_ms' | 'reconcile_interval_s'>,
): Schedule[] {
  return [
    { name: 'lease recovery', intervalMs: queue.recover_interval_ms, task: () => jobs.recoverExpired() },
    {
      // At start too: a queue that lost items while the coordinator was down is rebuilt at once.
      name: 'queue reconciliation',
      intervalMs: queue.reconcile_interval_s * 1000,
      runAtStart: true,
      task: () => jobs.reconcile(),
    },
  ];
}
