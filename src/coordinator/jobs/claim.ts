import type { ClaimedJob } from '../../core/work/protocol.ts';
import type { TopicDefinition } from '../../core/work/topic.ts';
import type { Lease } from '../../queue/queue.ts';
import type { Db } from '../../store/capabilities.ts';
import { getJob, getJobs, isFinished, type JobRow, transitionJob } from '../../store/repositories/jobs.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import { checkClaimAdmission } from '../workers/admission.ts';
import { countExpiredAttempt, deadlineError, pastDeadline, recordExpiredAttempt } from './attempts.ts';
import type { WorkContext } from './context.ts';
import { recordResults } from './results.ts';
import { unknownTopic } from './submit.ts';

/** A job handed to a worker (the claim answer's items). */
export type { ClaimedJob };

export interface ClaimRequest {
  topic: TopicDefinition;
  nodeId: string;
  workerId: string;
  max: number;
  /** How long to wait for work when there is none (long poll); 0 answers at once. */
  waitMs: number;
  /** Ends the wait early (the worker hung up). */
  signal?: AbortSignal;
}

/**
 * The topic a node's worker claims from, once the worker may claim it: an unknown topic is a
 * 404, and admission's refusal (workers/admission.ts) is thrown as it is.
 */
export async function admitClaim(
  db: Db,
  { topicName, nodeId, workerId }: { topicName: string; nodeId: string; workerId: string },
): Promise<TopicDefinition> {
  const topic = await getTopic(db, topicName);
  if (topic === undefined) throw unknownTopic(topicName, 404);
  const refused = await checkClaimAdmission(db, { nodeId, workerId, topic: topic.definition });
  if (refused !== null) throw refused;
  return topic.definition;
}

/** How often a waiting claim looks at the queue itself, for work no wake-up announces. */
export const CLAIM_POLL_MS = 400;

/**
 * Claims up to `max` jobs of a topic for a worker, waiting up to `waitMs` for some to arrive.
 * Waiting is on the real clock, not the coordinator's (which tests hold still).
 */
export async function claimJobs(
  ctx: WorkContext,
  request: ClaimRequest,
  { pollMs = CLAIM_POLL_MS }: { pollMs?: number } = {},
): Promise<ClaimedJob[]> {
  const until = performance.now() + request.waitMs;
  for (;;) {
    const seen = ctx.waiters.generation(request.topic.name);
    const jobs = await claimOnce(ctx, request);
    // The worker hung up while its jobs were being taken: nobody will run them, so they go
    // back at once (released: no outcome, no attempt counted) instead of waiting out a lease.
    if (request.signal?.aborted) return jobs.length > 0 ? releaseUnsent(ctx, request, jobs) : [];
    const remaining = until - performance.now();
    if (jobs.length > 0 || remaining <= 0) return jobs;
    const end = await ctx.waiters.wait(request.topic.name, Math.min(remaining, pollMs), seen, request.signal);
    if (end === 'closed' || end === 'full' || end === 'aborted') return [];
  }
}

/**
 * One look at the queue: lease what is ready and make each lease the job's current attempt.
 * The common case, a queued job within its deadline, is taken for the whole batch with one
 * read and one transaction; anything else (a finished job's leftover item, a deadline, an
 * attempt whose expiry is not settled yet, a row that changed meanwhile) goes through
 * `takeLease` one by one.
 */
async function claimOnce(ctx: WorkContext, request: ClaimRequest): Promise<ClaimedJob[]> {
  const leases = await ctx.queue.claim({
    topic: request.topic.name,
    owner: request.workerId,
    max: request.max,
    leaseMs: ctx.config.queue.lease_ms,
    now: ctx.now(),
  });
  if (leases.length === 0) return [];
  const rows = await getJobs(
    ctx.store.db,
    leases.map((l) => l.id),
  );
  const now = ctx.now();
  const simple: Array<{ lease: Lease; row: JobRow }> = [];
  const others: Lease[] = [];
  for (const lease of leases) {
    const row = rows.get(lease.id);
    if (row !== undefined && row.status === 'queued' && !pastDeadline(row, now)) simple.push({ lease, row });
    else others.push(lease);
  }
  const claimed: ClaimedJob[] = [];
  if (simple.length > 0) {
    const taken = await ctx.store.transaction(async (trx) => {
      const ok: Array<{ lease: Lease; row: JobRow; attempt: number }> = [];
      for (const { lease, row } of simple) {
        const attempt = Math.max(lease.attempts, row.attempts + 1);
        const changed = await transitionJob(
          trx,
          row.job_id,
          { status: 'queued', leaseToken: row.lease_token },
          runningValues(request, lease, attempt, now),
        );
        if (changed) ok.push({ lease, row, attempt });
      }
      return ok;
    });
    const tookIds = new Set(taken.map((t) => t.lease.id));
    for (const { lease } of simple) if (!tookIds.has(lease.id)) others.push(lease);
    for (const { lease, row, attempt } of taken) {
      ctx.metrics.claimed.inc({ topic: row.topic, node: request.nodeId });
      claimed.push(claimedJob(request, lease, row, attempt));
    }
  }
  for (const lease of others) {
    const job = await takeLease(ctx, request, lease);
    if (job !== null) claimed.push(job);
  }
  return claimed;
}

/** What a job's record becomes when a lease is its current attempt. */
function runningValues(request: ClaimRequest, lease: Lease, attempt: number, now: number) {
  return {
    status: 'running' as const,
    lease_token: lease.token,
    attempts: attempt,
    node_id: request.nodeId,
    worker_id: request.workerId,
    started_at: now,
    finished_at: null,
    updated_at: now,
  };
}

function claimedJob(request: ClaimRequest, lease: Lease, row: JobRow, attempt: number): ClaimedJob {
  return {
    job_id: row.job_id,
    lease_token: lease.token,
    attempt,
    max_attempts: row.max_attempts,
    lease_expires_at_ms: lease.leaseExpiresAt,
    timeout_ms: request.topic.timeout_ms,
    deadline_at_ms: row.deadline_at,
    tenant_id: row.tenant_id,
    payload: JSON.parse(lease.payload) as unknown,
  };
}

async function releaseUnsent(ctx: WorkContext, request: ClaimRequest, jobs: ClaimedJob[]): Promise<[]> {
  const at = ctx.now();
  await recordResults(
    ctx,
    request.nodeId,
    jobs.map((job) => ({
      job_id: job.job_id,
      lease_token: job.lease_token,
      worker_id: request.workerId,
      status: 'released' as const,
      started_at_ms: at,
      finished_at_ms: at,
    })),
  );
  return [];
}

/** Attempts at a conditional update before giving up on a row that keeps changing under us. */
const TAKE_TRIES = 3;

/**
 * Makes a lease the job's attempt, with a conditional update on what was read. Items the
 * queue still held for a finished job (the write after a result was lost) are dropped, and a
 * job past its deadline is dead-lettered instead of run. A row still `running` an older
 * lease is an attempt whose expiry the recovery has not settled yet: it is settled here.
 */
async function takeLease(ctx: WorkContext, request: ClaimRequest, lease: Lease): Promise<ClaimedJob | null> {
  for (let i = 0; i < TAKE_TRIES; i++) {
    const row = await getJob(ctx.store.db, lease.id);
    if (row === undefined || isFinished(row.status)) {
      await ctx.queue.complete(lease.id, lease.token);
      if (row === undefined) ctx.log.warn({ job_id: lease.id }, 'dropped a queue item with no job record');
      return null;
    }
    const now = ctx.now();
    if (pastDeadline(row, now)) {
      if (!(await expireAtClaim(ctx, row, now))) continue;
      await ctx.queue.fail(lease.id, lease.token, { retryAt: null, now });
      ctx.metrics.deadLettered.inc({ topic: row.topic });
      return null;
    }
    // The queue's count is the claim's unless it was rebuilt with fewer (a lost Redis).
    const attempt = Math.max(lease.attempts, row.attempts + 1);
    const taken = await ctx.store.transaction(async (trx) => {
      const changed = await transitionJob(
        trx,
        row.job_id,
        { status: row.status, leaseToken: row.lease_token },
        runningValues(request, lease, attempt, now),
      );
      if (changed && row.status === 'running') await recordExpiredAttempt(ctx, trx, row, now);
      return changed;
    });
    if (!taken) continue;
    if (row.status === 'running') countExpiredAttempt(ctx, row);
    ctx.metrics.claimed.inc({ topic: row.topic, node: request.nodeId });
    return claimedJob(request, lease, row, attempt);
  }
  // Left leased: the recovery puts it back when the lease ends.
  ctx.log.warn({ job_id: lease.id }, 'gave up claiming a job whose record kept changing');
  return null;
}

/** Marks a job that reached its deadline before an attempt could start as dead. */
async function expireAtClaim(ctx: WorkContext, row: JobRow, now: number): Promise<boolean> {
  const changed = await ctx.store.transaction(async (trx) => {
    const ok = await transitionJob(
      trx,
      row.job_id,
      { status: row.status, leaseToken: row.lease_token },
      {
        status: 'dead',
        lease_token: null,
        finished_at: now,
        updated_at: now,
        error: JSON.stringify(deadlineError(row)),
      },
    );
    if (ok && row.status === 'running') await recordExpiredAttempt(ctx, trx, row, now);
    return ok;
  });
  if (changed && row.status === 'running') countExpiredAttempt(ctx, row);
  return changed;
}
