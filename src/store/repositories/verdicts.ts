import type { ExpressionBuilder } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { Database } from '../schema.ts';

/** A sampled job no verifier holds: pending, or claimed by one whose claim expired. */
function claimable(eb: ExpressionBuilder<Database, 'jobs'>, now: number) {
  return eb.or([
    eb('verification_state', '=', 'pending'),
    eb.and([eb('verification_state', '=', 'claimed'), eb('verification_claim_expires_at', '<=', now)]),
  ]);
}

export interface Sample {
  job_id: string;
  node_id: string;
  payload: string;
  result: string | null;
  finished_at: number;
}

/**
 * Hands up to `max` of a topic's sampled successes to a verifier: pending ones, or claimed
 * ones whose claim expired, oldest first, never its own node's work. One conditional update
 * takes them, and the condition is checked again on each row it changes, so two verifiers
 * claiming at once never get the same job (one of them may get fewer).
 */
export async function claimSamples(
  db: Db,
  {
    topic,
    workerId,
    nodeId,
    max,
    now,
    claimMs,
  }: { topic: string; workerId: string; nodeId: string; max: number; now: number; claimMs: number },
): Promise<Sample[]> {
  const candidates = db
    .selectFrom('jobs')
    .select('job_id')
    .where('topic', '=', topic)
    .where('status', '=', 'succeeded')
    .where('node_id', '!=', nodeId)
    .where((eb) => claimable(eb, now))
    .orderBy('finished_at')
    .orderBy('job_id')
    .limit(max);
  const rows = await db
    .updateTable('jobs')
    .set({
      verification_state: 'claimed',
      verifier_id: workerId,
      verification_claim_expires_at: now + claimMs,
    })
    .where('job_id', 'in', candidates)
    .where('status', '=', 'succeeded')
    .where((eb) => claimable(eb, now))
    .returning(['job_id', 'node_id', 'payload', 'result', 'finished_at'])
    .execute();
  return rows
    .map((r) => ({
      job_id: r.job_id,
      node_id: r.node_id ?? '',
      payload: r.payload,
      result: r.result,
      finished_at: r.finished_at ?? 0,
    }))
    .sort((a, b) => a.finished_at - b.finished_at || a.job_id.localeCompare(b.job_id));
}

export interface Verdict {
  job_id: string;
  worker_id: string;
  /** The verifier's node, from the request's signature. */
  node_id: string;
  pass: boolean;
  loss: number | null;
  detail: unknown;
}

export type VerdictDisposition =
  | { disposition: 'recorded'; topic: string; node_id: string; attempt: number }
  | { disposition: 'duplicate' | 'not-claimed' | 'unknown-job' };

/**
 * Records a verdict if `worker_id` holds the job's verification claim: the first verdict
 * wins, and a failed one sets the job `failed_verification`. The conditional update is what
 * makes a resent verdict a duplicate; callers adjust outcomes and counters only on `recorded`,
 * in the same transaction.
 */
export async function recordVerdict(trx: Tx, verdict: Verdict, now: number): Promise<VerdictDisposition> {
  const stored = JSON.stringify({
    pass: verdict.pass,
    loss: verdict.loss,
    detail: verdict.detail ?? null,
    worker_id: verdict.worker_id,
    node_id: verdict.node_id,
    at: now,
  });
  const updated = await trx
    .updateTable('jobs')
    .set({
      verification_state: verdict.pass ? 'passed' : 'failed',
      verdict: stored,
      verification_claim_expires_at: null,
      ...(verdict.pass ? {} : { status: 'failed_verification' as const }),
      updated_at: now,
    })
    .where('job_id', '=', verdict.job_id)
    .where('status', '=', 'succeeded')
    .where('verification_state', '=', 'claimed')
    .where('verifier_id', '=', verdict.worker_id)
    .returning(['topic', 'node_id', 'attempts'])
    .executeTakeFirst();
  if (updated !== undefined) {
    return {
      disposition: 'recorded',
      topic: updated.topic,
      node_id: updated.node_id ?? '',
      attempt: updated.attempts,
    };
  }
  const job = await trx
    .selectFrom('jobs')
    .select(['verdict', 'verifier_id'])
    .where('job_id', '=', verdict.job_id)
    .executeTakeFirst();
  if (job === undefined) return { disposition: 'unknown-job' };
  if (job.verdict !== null && job.verifier_id === verdict.worker_id) return { disposition: 'duplicate' };
  return { disposition: 'not-claimed' };
}
