import {
  type JobRow,
  overdueQueuedJobs,
  staleUnfinishedJobs,
  transitionJob,
} from '../../store/repositories/jobs.ts';
import { deadlineError } from './attempts.ts';
import type { WorkContext } from './context.ts';

const PAGE = 500;

export interface ReconcileSummary {
  /** Unfinished jobs looked up in the queue. */
  checked: number;
  /** Of those, jobs the queue had lost and was given again. */
  reoffered: number;
  /** Queued jobs whose deadline passed before any worker claimed them, now dead. */
  expired: number;
}

/**
 * Makes the queue hold every unfinished job again: the job record is the truth, the queue
 * only dispatches, so a queue that lost items (a Redis restarted without persistence, a write
 * lost after a crash) is rebuilt from the record. Jobs touched within `minAgeMs` are left to
 * the writes in flight for them; after a queue reported losing its contents, every unfinished
 * job is checked (enqueueing is idempotent, so a job in the middle of being enqueued is safe).
 */
export async function reconcile(
  ctx: WorkContext,
  { minAgeMs }: { minAgeMs: number },
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { checked: 0, reoffered: 0, expired: await expireOverdue(ctx) };
  // Not touched for minAgeMs: updated_at <= now - minAgeMs.
  const updatedBefore = ctx.now() - minAgeMs + 1;
  let after: { updatedAt: number; jobId: string } | null = null;
  for (;;) {
    const rows = await staleUnfinishedJobs(ctx.store.db, { updatedBefore, after, limit: PAGE });
    if (rows.length === 0) break;
    const held = await ctx.queue.has(rows.map((r) => r.job_id));
    for (const row of rows) if (!held.has(row.job_id) && (await reoffer(ctx, row))) summary.reoffered++;
    summary.checked += rows.length;
    const last = rows.at(-1)!;
    after = { updatedAt: last.updated_at, jobId: last.job_id };
    if (rows.length < PAGE) break;
  }
  if (summary.reoffered > 0 || summary.expired > 0)
    ctx.log.warn({ ...summary }, 'reconciled the queue with the job record');
  return summary;
}

/**
 * Gives the queue a job it lost. A running job's attempt was lost with it through no fault
 * of its worker: the job is queued again without counting that attempt or recording an
 * outcome, and the worker's extend or result is answered `lost`.
 */
async function reoffer(ctx: WorkContext, row: JobRow): Promise<boolean> {
  const now = ctx.now();
  let attempts = row.attempts;
  if (row.status === 'running') {
    attempts = Math.max(0, row.attempts - 1);
    const requeued = await transitionJob(
      ctx.store.db,
      row.job_id,
      { status: 'running', leaseToken: row.lease_token },
      { status: 'queued', lease_token: null, attempts, updated_at: now },
    );
    if (!requeued) return false;
  }
  await ctx.queue.enqueue(
    [
      {
        id: row.job_id,
        topic: row.topic,
        payload: row.payload,
        attempts,
        maxAttempts: row.max_attempts,
        availableAt: now,
      },
    ],
    now,
  );
  ctx.waiters.notify(row.topic);
  return true;
}

/** Queued jobs nobody claimed before their deadline end dead, and leave the queue. */
async function expireOverdue(ctx: WorkContext): Promise<number> {
  let expired = 0;
  const now = ctx.now();
  for (const row of await overdueQueuedJobs(ctx.store.db, now, PAGE)) {
    const dead = await transitionJob(
      ctx.store.db,
      row.job_id,
      { status: 'queued' },
      { status: 'dead', finished_at: now, updated_at: now, error: JSON.stringify(deadlineError(row)) },
    );
    if (!dead) continue;
    await ctx.queue.remove(row.job_id);
    ctx.metrics.deadLettered.inc({ topic: row.topic });
    expired++;
  }
  return expired;
}
