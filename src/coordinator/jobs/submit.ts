import { canonicalJson } from '../../core/crypto/canonical-json.ts';
import { uuidv7 } from '../../core/ids.ts';
import { findByIdempotencyKey, insertJob, type JobRow } from '../../store/repositories/jobs.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import { Conflict, type DomainError, NotFound, TooLarge, Unprocessable } from '../errors.ts';
import type { WorkContext } from './context.ts';

export interface Submission {
  tenantId: string;
  topic: string;
  payload: unknown;
  idempotencyKey: string | null;
}

export function unknownTopic(name: string, status: 404 | 422): DomainError {
  return new (status === 404 ? NotFound : Unprocessable)(
    'unknown-topic',
    'Unknown topic',
    `there is no topic ${name}; GET /topics lists them, and an operator adds one with POST /topics or in the configuration`,
  );
}

/**
 * Records a tenant's job, then offers it to the queue (the record first: a job the queue
 * never got is found by the reconciler; a queue item with no record would be work nobody
 * asked for). A repeated idempotency key answers the first job, or a conflict when it came
 * with another topic or payload.
 */
export async function submitJob(ctx: WorkContext, s: Submission): Promise<{ job: JobRow; created: boolean }> {
  const topic = await getTopic(ctx.store.db, s.topic);
  if (topic === undefined) throw unknownTopic(s.topic, 422);
  const payload = JSON.stringify(s.payload);
  const bytes = Buffer.byteLength(payload);
  const limit = ctx.config.jobs.max_payload_bytes;
  if (bytes > limit) {
    throw new TooLarge(
      'payload-too-large',
      'Payload too large',
      `the payload is ${bytes} bytes of JSON, above this coordinator's jobs.max_payload_bytes (${limit}); send large inputs by reference`,
      { extras: { payload_bytes: bytes, max_payload_bytes: limit } },
    );
  }
  if (s.idempotencyKey !== null) {
    const first = await findByIdempotencyKey(ctx.store.db, s.tenantId, s.idempotencyKey);
    if (first !== undefined) return { job: sameSubmission(first, s), created: false };
  }
  const now = ctx.now();
  const definition = topic.definition;
  const job: JobRow = {
    job_id: uuidv7(now),
    topic: s.topic,
    tenant_id: s.tenantId,
    idempotency_key: s.idempotencyKey,
    payload,
    status: 'queued',
    attempts: 0,
    max_attempts: definition.max_attempts,
    created_at: now,
    updated_at: now,
    deadline_at: definition.deadline_ms === null ? null : now + definition.deadline_ms,
    node_id: null,
    worker_id: null,
    lease_token: null,
    started_at: null,
    finished_at: null,
    finished_token: null,
    result: null,
    error: null,
    verification_state: null,
    verifier_id: null,
    verification_claim_expires_at: null,
    verdict: null,
  };
  if (!(await insertJob(ctx.store.db, job))) {
    // A concurrent submission with the same key won the insert.
    const first = await findByIdempotencyKey(ctx.store.db, s.tenantId, s.idempotencyKey ?? '');
    if (first === undefined) throw new Error(`job insert for tenant ${s.tenantId} conflicted with no job`);
    return { job: sameSubmission(first, s), created: false };
  }
  ctx.metrics.submitted.inc({ topic: s.topic });
  try {
    await ctx.queue.enqueue(
      [
        {
          id: job.job_id,
          topic: job.topic,
          payload,
          attempts: 0,
          maxAttempts: job.max_attempts,
          availableAt: now,
        },
      ],
      now,
    );
  } catch (err) {
    // The job is recorded, so it is accepted: the reconciler offers it once the queue is back.
    ctx.log.error({ err, job_id: job.job_id }, 'queue refused a new job; the reconciler will offer it again');
  }
  ctx.waiters.notify(job.topic);
  return { job, created: true };
}

/** The first job for an idempotency key, if this submission is the same one again. */
function sameSubmission(first: JobRow, s: Submission): JobRow {
  const same =
    first.topic === s.topic &&
    canonicalJson(JSON.parse(first.payload) as unknown) === canonicalJson(s.payload);
  if (!same) {
    throw new Conflict(
      'idempotency-conflict',
      'Idempotency conflict',
      `idempotency key ${JSON.stringify(s.idempotencyKey)} was first used for job ${first.job_id} with ${first.topic === s.topic ? 'another payload' : `topic ${first.topic}`}; use a new key for a new job`,
      { extras: { job_id: first.job_id } },
    );
  }
  return first;
}
