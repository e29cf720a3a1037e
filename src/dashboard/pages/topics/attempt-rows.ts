import type { AttemptView, JobView } from './types.ts';

/** One row of a job's attempts table. */
export interface AttemptRow {
  attempt: number;
  node_id: string | null;
  worker_id: string | null;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  duration_ms: number | null;
  outcome: string;
}

/**
 * Every attempt the job has made: the ended ones as recorded, the last one from the job itself
 * while it runs or after it was cancelled. Only the last attempt's worker is known.
 */
export function attemptRows(job: JobView, ended: readonly AttemptView[]): AttemptRow[] {
  const byNumber = new Map(ended.map((a) => [a.attempt, a]));
  const rows: AttemptRow[] = [];
  for (let n = 1; n <= job.attempts; n++) {
    const last = n === job.attempts;
    const a = byNumber.get(n);
    const worker_id = last ? job.worker_id : null;
    if (a !== undefined) rows.push({ ...a, worker_id, outcome: a.status });
    else if (last)
      rows.push({
        attempt: n,
        node_id: job.node_id,
        worker_id,
        started_at_ms: job.started_at_ms,
        finished_at_ms: job.status === 'running' ? null : job.finished_at_ms,
        duration_ms: job.status === 'running' ? null : job.duration_ms,
        outcome: job.status === 'running' || job.status === 'cancelled' ? job.status : 'not recorded',
      });
    else
      rows.push({
        attempt: n,
        node_id: null,
        worker_id: null,
        started_at_ms: null,
        finished_at_ms: null,
        duration_ms: null,
        outcome: 'not recorded',
      });
  }
  return rows;
}
