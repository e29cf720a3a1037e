import { toIso } from '../../core/time.ts';
import type { JobError } from '../../core/work/protocol.ts';
import type { JobRow } from '../../store/repositories/jobs.ts';
import type { AttemptOutcome } from './outcomes.ts';

export type { JobError };

/** A job as the API shows it (JobView in docs/design/work-contract.md). */
export function jobView(row: JobRow) {
  return {
    job_id: row.job_id,
    topic: row.topic,
    tenant_id: row.tenant_id,
    idempotency_key: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    created_at: toIso(row.created_at),
    created_at_ms: row.created_at,
    updated_at_ms: row.updated_at,
    deadline_at_ms: row.deadline_at,
    node_id: row.node_id,
    worker_id: row.worker_id,
    started_at_ms: row.started_at,
    finished_at_ms: row.finished_at,
    duration_ms:
      row.started_at !== null && row.finished_at !== null ? row.finished_at - row.started_at : null,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error === null ? null : (JSON.parse(row.error) as JobError),
    verification: verificationView(row),
  };
}

function verificationView(row: JobRow) {
  if (row.verification_state === null) return null;
  const verdict =
    row.verdict === null
      ? null
      : (JSON.parse(row.verdict) as {
          pass: boolean;
          loss: number | null;
          detail: string | null;
          worker_id: string;
          node_id: string;
          at: number;
        });
  return {
    state: row.verification_state,
    verdict:
      verdict === null
        ? null
        : {
            pass: verdict.pass,
            loss: verdict.loss ?? null,
            detail: verdict.detail ?? null,
            worker_id: verdict.worker_id,
            node_id: verdict.node_id,
            at_ms: verdict.at,
          },
  };
}

/** An attempt's recorded outcome as the API shows it (GET /jobs/{job_id}/attempts). */
export function attemptView(outcome: AttemptOutcome) {
  return {
    attempt: outcome.attempt,
    node_id: outcome.node_id,
    status: outcome.status,
    started_at_ms: outcome.started_at,
    finished_at_ms: outcome.finished_at,
    duration_ms: outcome.duration_ms,
  };
}
