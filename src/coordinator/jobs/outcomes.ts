import { rollupGrain } from '../../core/sla/rollup.ts';
import type { Db, Tx } from '../../store/capabilities.ts';
import type { JobRow } from '../../store/repositories/jobs.ts';
import { outcomesByIds, recordOutcomes } from '../../store/repositories/outcomes.ts';
import type { JobOutcomesTable } from '../../store/schema.ts';
import type { WorkContext } from './context.ts';

/** One attempt's outcome id: an attempt is recorded once, and every attempt is recorded. */
export function attemptOutcomeId(jobId: string, attempt: number): string {
  return `${jobId}:${attempt}`;
}

/** How one attempt ended; the attempt's node and worker are the job row's (who held the lease). */
export interface AttemptEnd {
  job: JobRow;
  attempt: number;
  status: 'success' | 'failure';
  startedAt: number;
  finishedAt: number;
}

/**
 * Records how attempts ended, in the transaction that changed their jobs' status, so the SLA
 * engine's completion rate and response time move with real work exactly once per attempt.
 * One call for a whole batch: the rollups and response samples are merged once.
 */
export async function recordAttemptOutcomes(
  ctx: WorkContext,
  trx: Tx,
  ends: readonly AttemptEnd[],
): Promise<void> {
  const outcomes = ends.flatMap(({ job, attempt, status, startedAt, finishedAt }) =>
    job.node_id === null
      ? []
      : [
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
  );
  if (outcomes.length === 0) return;
  const options = {
    now: ctx.now(),
    sampleSize: ctx.config.sla.response_time_sample_size,
    grain: rollupGrain(ctx.config.sla.completion_window_s),
    caps: ctx.store.capabilities,
  };
  const result = await recordOutcomes(trx, outcomes, options);
  if (result.kind !== 'unknown_nodes') return;
  // A node deregistered while its attempt ran: the job's record still changes, its SLA no
  // longer counts. The rest of the batch is recorded without it.
  const gone = new Set(result.nodeIds);
  for (const o of outcomes) {
    if (gone.has(o.node_id))
      ctx.log.info(
        { outcome_id: o.job_id, node_id: o.node_id },
        'attempt of a deregistered node not counted',
      );
  }
  const rest = outcomes.filter((o) => !gone.has(o.node_id));
  if (rest.length > 0) await recordOutcomes(trx, rest, options);
}

/** One attempt's end (see recordAttemptOutcomes). */
export function recordAttemptOutcome(ctx: WorkContext, trx: Tx, end: AttemptEnd): Promise<void> {
  return recordAttemptOutcomes(ctx, trx, [end]);
}

/** One attempt's recorded outcome: which attempt it was, and the row the SLA engine counts. */
export type AttemptOutcome = JobOutcomesTable & { attempt: number };

/**
 * The outcomes recorded for a job's attempts so far, first attempt first. An attempt still
 * running, cancelled or released has none, and rows past the raw retention horizon are gone.
 */
export async function attemptOutcomes(db: Db, job: JobRow): Promise<AttemptOutcome[]> {
  const attempts = Array.from({ length: job.attempts }, (_, i) => i + 1);
  const byId = new Map(attempts.map((n) => [attemptOutcomeId(job.job_id, n), n]));
  const rows = await outcomesByIds(db, [...byId.keys()]);
  return rows
    .map((row) => ({ ...row, attempt: byId.get(row.job_id) ?? 0 }))
    .sort((a, b) => a.attempt - b.attempt);
}
