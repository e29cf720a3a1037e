import { toIso } from '../../core/time.ts';
import type { Tx } from '../../store/capabilities.ts';
import type { JobRow } from '../../store/repositories/jobs.ts';
import type { WorkContext } from './context.ts';
import { recordAttemptOutcome } from './outcomes.ts';
import type { JobError } from './views.ts';

/** Whether the job's deadline has passed at `now`. */
export function pastDeadline(row: JobRow, now: number): boolean {
  return row.deadline_at !== null && now >= row.deadline_at;
}

export function deadlineError(row: JobRow, cause?: JobError): JobError {
  const deadline = row.deadline_at === null ? 'its deadline' : `its deadline ${toIso(row.deadline_at)}`;
  return {
    code: 'deadline-exceeded',
    message:
      cause === undefined
        ? `the job was not finished by ${deadline}`
        : `the job was not finished by ${deadline}; the last attempt failed with ${cause.code}: ${cause.message}`,
    retryable: false,
  };
}

export function leaseExpiredError(row: JobRow): JobError {
  return {
    code: 'lease-expired',
    message: `worker ${row.worker_id ?? '?'} of node ${row.node_id ?? '?'} held the lease past its end without a result`,
    retryable: true,
  };
}

/**
 * Records the failure of a running row's attempt whose lease expired, in the transaction
 * that moved the job on. The attempt ran from its claim until now, as far as anyone knows.
 */
export async function recordExpiredAttempt(
  ctx: WorkContext,
  trx: Tx,
  row: JobRow,
  now: number,
): Promise<void> {
  const startedAt = row.started_at ?? now;
  await recordAttemptOutcome(ctx, trx, {
    job: row,
    attempt: row.attempts,
    status: 'failure',
    startedAt,
    finishedAt: now,
  });
}

/** Counts an expired attempt once its transaction committed. */
export function countExpiredAttempt(ctx: WorkContext, row: JobRow): void {
  const labels = { topic: row.topic, node: row.node_id ?? 'unknown' };
  ctx.metrics.leaseExpiries.inc(labels);
  ctx.metrics.failed.inc(labels);
}
