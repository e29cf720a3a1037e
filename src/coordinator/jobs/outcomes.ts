import { rollupGrain } from '../../core/sla/rollup.ts';
import type { Tx } from '../../store/capabilities.ts';
import type { JobRow } from '../../store/repositories/jobs.ts';
import { recordOutcomes } from '../../store/repositories/outcomes.ts';
import type { WorkContext } from './context.ts';

/** One attempt's outcome id: an attempt is recorded once, and every attempt is recorded. */
export function attemptOutcomeId(jobId: string, attempt: number): string {
  return `${jobId}:${attempt}`;
}

/**
 * Records how one attempt ended, in the transaction that changed the job's status, so the
 * SLA engine's completion rate and response time move with real work exactly once per attempt.
 * The attempt's node and worker are the job row's (who held the lease).
 */
export async function recordAttemptOutcome(
  ctx: WorkContext,
  trx: Tx,
  {
    job,
    attempt,
    status,
    startedAt,
    finishedAt,
  }: { job: JobRow; attempt: number; status: 'success' | 'failure'; startedAt: number; finishedAt: number },
): Promise<void> {
  if (job.node_id === null) return;
  const result = await recordOutcomes(
    trx,
    [
      {
        job_id: attemptOutcomeId(job.job_id, attempt),
        node_id: job.node_id,
        topic: job.topic,
        tenant_id: job.tenant_id,
        status,
        started_at: startedAt,
        finished_at: Math.max(startedAt, finishedAt),
      },
    ],
    {
      now: ctx.now(),
      sampleSize: ctx.config.sla.response_time_sample_size,
      grain: rollupGrain(ctx.config.sla.completion_window_s),
      caps: ctx.store.capabilities,
    },
  );
  // A node deregistered while its attempt ran: the job's record still changes, its SLA no longer counts.
  if (result.kind === 'unknown_nodes') {
    ctx.log.info({ job_id: job.job_id, node_id: job.node_id }, 'attempt of a deregistered node not counted');
  }
}
