import type { RecoveredLease } from '../../queue/queue.ts';
import { getJob, isFinished, transitionJob } from '../../store/repositories/jobs.ts';
import {
  countExpiredAttempt,
  deadlineError,
  leaseExpiredError,
  pastDeadline,
  recordExpiredAttempt,
} from './attempts.ts';
import type { WorkContext } from './context.ts';

/** Leases recovered per queue call, and the most calls one run makes (the rest wait a run). */
const BATCH = 500;
const MAX_ROUNDS = 20;

/**
 * Puts the jobs of leases that ran out (their worker died or stalled) back to work: the queue
 * re-offers them, or dead-letters those out of attempts; each such attempt is settled in the
 * job record once, as a failure of the node that held it. Run every `queue.recover_interval_ms`.
 */
export async function recoverExpiredLeases(ctx: WorkContext): Promise<{ recovered: number }> {
  let recovered = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const leases = await ctx.queue.recoverExpired(ctx.now(), BATCH);
    for (const lease of leases) await settleRecovered(ctx, lease);
    recovered += leases.length;
    if (leases.length < BATCH) break;
  }
  return { recovered };
}

async function settleRecovered(ctx: WorkContext, lease: RecoveredLease): Promise<void> {
  const row = await getJob(ctx.store.db, lease.id);
  if (row === undefined || row.status !== 'running' || row.lease_token !== lease.token) {
    // Settled already: a result came in time, a claim took the job over, or it was cancelled.
    // A finished job must not stay claimable.
    if (row === undefined || isFinished(row.status)) await ctx.queue.remove(lease.id);
    return;
  }
  const now = ctx.now();
  const late = pastDeadline(row, now);
  const dead = lease.outcome === 'dead' || late;
  const changed = await ctx.store.transaction(async (trx) => {
    const ok = await transitionJob(
      trx,
      row.job_id,
      { status: 'running', leaseToken: lease.token },
      dead
        ? {
            status: 'dead',
            lease_token: null,
            finished_at: now,
            updated_at: now,
            error: JSON.stringify(late ? deadlineError(row, leaseExpiredError(row)) : leaseExpiredError(row)),
          }
        : {
            status: 'queued',
            lease_token: null,
            updated_at: now,
            error: JSON.stringify(leaseExpiredError(row)),
          },
    );
    if (ok) await recordExpiredAttempt(ctx, trx, row, now);
    return ok;
  });
  if (!changed) return;
  countExpiredAttempt(ctx, row);
  if (dead) ctx.metrics.deadLettered.inc({ topic: row.topic });
  // The queue re-offered a job whose deadline has passed: take it back rather than let it be claimed.
  if (late && lease.outcome === 'requeued') await ctx.queue.remove(row.job_id);
  if (!dead) ctx.waiters.notify(row.topic);
}
