import { backoffDelayMs } from '../../core/work/backoff.ts';
import type { JobResult } from '../../core/work/protocol.ts';
import { sampledForVerification } from '../../core/work/sampling.ts';
import type { TopicDefinition } from '../../core/work/topic.ts';
import { getJob, getJobs, type JobPatch, type JobRow, transitionJob } from '../../store/repositories/jobs.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import { deadlineError, pastDeadline } from './attempts.ts';
import type { WorkContext } from './context.ts';
import { type AttemptEnd, recordAttemptOutcomes } from './outcomes.ts';

/** One item of a worker's `POST /results` batch. */
export type ResultItem = JobResult;

export type Disposition = 'recorded' | 'retrying' | 'dead' | 'released' | 'duplicate' | 'cancelled' | 'lost';

/**
 * Records a batch of results from one node. Each item stands alone (a result that can no
 * longer count gets its disposition, never an error), so a worker's outbox always drains.
 *
 * The batch is read in one query and the items that speak for their job's current attempt
 * change their records in one transaction, with their outcomes merged once: a batch costs a
 * few statements and one commit, not several per item.
 */
export async function recordResults(
  ctx: WorkContext,
  nodeId: string,
  items: readonly ResultItem[],
): Promise<Array<{ job_id: string; disposition: Disposition }>> {
  const topics = new Map<string, Promise<TopicDefinition | null>>();
  const topicOf = (name: string) => {
    let found = topics.get(name);
    if (found === undefined) {
      found = getTopic(ctx.store.db, name).then((t) => t?.definition ?? null);
      topics.set(name, found);
    }
    return found;
  };
  const dispositions = await settleItems(ctx, nodeId, items, topicOf);
  return items.map((item, i) => {
    const disposition = dispositions[i] as Disposition;
    ctx.metrics.results.inc({ disposition });
    return { job_id: item.job_id, disposition };
  });
}

/**
 * Each item's disposition. A job named twice in one batch has its later items settled in a
 * pass of their own after the first, so they meet the record the first one left (`duplicate`).
 */
async function settleItems(
  ctx: WorkContext,
  nodeId: string,
  items: readonly ResultItem[],
  topicOf: (name: string) => Promise<TopicDefinition | null>,
): Promise<Disposition[]> {
  const dispositions: Disposition[] = new Array(items.length).fill('lost');
  const rows = await getJobs(
    ctx.store.db,
    items.map((i) => i.job_id),
  );
  const now = ctx.now();
  const held: Held[] = [];
  const later: number[] = [];
  const planned = new Set<string>();
  for (const [index, item] of items.entries()) {
    const row = rows.get(item.job_id);
    const first = standing(row, item, nodeId);
    if (first !== 'held' || row === undefined) {
      dispositions[index] = first === 'held' ? 'lost' : first;
    } else if (planned.has(item.job_id)) {
      later.push(index);
    } else {
      planned.add(item.job_id);
      // The worker's clock, kept within what the coordinator saw: claimed at started_at, received now.
      const startedAt = clamp(item.started_at_ms, row.started_at ?? now, now);
      const finishedAt = clamp(item.finished_at_ms, startedAt, now);
      const plan = planResult(ctx, row, item, await topicOf(row.topic), { now, finishedAt });
      held.push({ index, item, row, plan, startedAt, finishedAt });
    }
  }

  const applied = held.length === 0 ? new Set<Held>() : await applyPlans(ctx, held);
  await Promise.all(
    held.map(async (h) => {
      if (applied.has(h)) {
        dispositions[h.index] = await settleQueue(ctx, h.row, h.item, h.plan, now);
      } else {
        // Someone else moved the job on between our read and our write: say what the item is now.
        const again = standing(await getJob(ctx.store.db, h.item.job_id), h.item, nodeId);
        dispositions[h.index] = again === 'held' ? 'lost' : again;
      }
    }),
  );
  if (later.length > 0) {
    const again = await settleItems(
      ctx,
      nodeId,
      later.map((index) => items[index] as ResultItem),
      topicOf,
    );
    later.forEach((index, i) => {
      dispositions[index] = again[i] as Disposition;
    });
  }
  return dispositions;
}

/** An item that speaks for its job's current attempt, with what it does. */
interface Held {
  index: number;
  item: ResultItem;
  row: JobRow;
  plan: Plan;
  startedAt: number;
  finishedAt: number;
}

/** Every held item's conditional update and the attempts' outcomes, in one transaction; returns those applied. */
async function applyPlans(ctx: WorkContext, held: readonly Held[]): Promise<Set<Held>> {
  return ctx.store.transaction(async (trx) => {
    const changed = new Set<Held>();
    for (const h of held) {
      const ok = await transitionJob(
        trx,
        h.row.job_id,
        { status: 'running', leaseToken: h.item.lease_token },
        h.plan.values,
      );
      if (ok) changed.add(h);
    }
    const ends: AttemptEnd[] = [];
    for (const h of changed) {
      if (h.plan.outcome === null) continue;
      ends.push({
        job: h.row,
        attempt: h.row.attempts,
        status: h.plan.outcome,
        startedAt: h.startedAt,
        finishedAt: h.finishedAt,
      });
    }
    await recordAttemptOutcomes(ctx, trx, ends);
    return changed;
  });
}

/**
 * Whether the item speaks for the job's current attempt (`held`), or else what it is: the
 * lease token is the attempt's secret, so a token the job finished with is a resend.
 */
function standing(row: JobRow | undefined, item: ResultItem, nodeId: string): 'held' | Disposition {
  if (row === undefined) return 'lost';
  if (row.status === 'running' && row.lease_token === item.lease_token) {
    return row.node_id === nodeId && row.worker_id === item.worker_id ? 'held' : 'lost';
  }
  if (row.finished_token === item.lease_token) return 'duplicate';
  if (row.status === 'cancelled') return 'cancelled';
  return 'lost';
}

const clamp = (value: number, low: number, high: number) =>
  Math.min(Math.max(value, low), Math.max(low, high));

/** What an accepted result does: the row's new values, the outcome to record, the queue step. */
interface Plan {
  disposition: 'recorded' | 'retrying' | 'dead' | 'released';
  values: JobPatch;
  outcome: 'success' | 'failure' | null;
  retryAt: number | null;
}

function planResult(
  ctx: WorkContext,
  row: JobRow,
  item: ResultItem,
  topic: TopicDefinition | null,
  { now, finishedAt }: { now: number; finishedAt: number },
): Plan {
  const ended = { lease_token: null, finished_token: item.lease_token, updated_at: now };
  if (item.status === 'released') {
    // Given back unrun or unfinished by a draining worker: the attempt does not count.
    return {
      disposition: 'released',
      values: { ...ended, status: 'queued', attempts: Math.max(0, row.attempts - 1) },
      outcome: null,
      retryAt: null,
    };
  }
  let error = item.error ?? null;
  if (item.status === 'success') {
    const text = JSON.stringify(item.result ?? null);
    const bytes = Buffer.byteLength(text);
    const limit = ctx.config.jobs.max_result_bytes;
    if (bytes <= limit) {
      const rate = topic?.verification?.sample_rate ?? 0;
      return {
        disposition: 'recorded',
        values: {
          ...ended,
          status: 'succeeded',
          finished_at: finishedAt,
          result: text,
          error: null,
          verification_state: sampledForVerification(row.job_id, rate) ? 'pending' : null,
        },
        outcome: 'success',
        retryAt: null,
      };
    }
    error = {
      code: 'result-too-large',
      message: `the result is ${bytes} bytes, above this coordinator's jobs.max_result_bytes (${limit})`,
      retryable: false,
    };
  }
  error ??= {
    code: 'unknown-error',
    message: 'the worker reported a failure without an error',
    retryable: true,
  };
  const late = pastDeadline(row, now);
  if (error.retryable && row.attempts < row.max_attempts && !late) {
    const backoff = topic?.backoff ?? { kind: 'uniform' as const, initial_ms: 1000, max_ms: 1000 };
    return {
      disposition: 'retrying',
      values: { ...ended, status: 'queued', error: JSON.stringify(error) },
      outcome: 'failure',
      retryAt: now + backoffDelayMs(backoff, Math.max(1, row.attempts), ctx.random),
    };
  }
  return {
    disposition: 'dead',
    values: {
      ...ended,
      status: 'dead',
      finished_at: finishedAt,
      error: JSON.stringify(late && error.retryable ? deadlineError(row, error) : error),
    },
    outcome: 'failure',
    retryAt: null,
  };
}

/** The queue step after the record changed (write order: the record first, then the queue). */
async function settleQueue(
  ctx: WorkContext,
  row: JobRow,
  item: ResultItem,
  plan: Plan,
  now: number,
): Promise<Disposition> {
  const labels = { topic: row.topic, node: row.node_id ?? 'unknown' };
  switch (plan.disposition) {
    case 'recorded':
      ctx.metrics.completed.inc(labels);
      await ctx.queue.complete(row.job_id, item.lease_token);
      return 'recorded';
    case 'released':
      await ctx.queue.complete(row.job_id, item.lease_token);
      await ctx.queue.enqueue(
        [
          {
            id: row.job_id,
            topic: row.topic,
            payload: row.payload,
            attempts: Math.max(0, row.attempts - 1),
            maxAttempts: row.max_attempts,
            availableAt: now,
          },
        ],
        now,
      );
      ctx.waiters.notify(row.topic);
      return 'released';
    case 'retrying': {
      ctx.metrics.failed.inc(labels);
      const queued = await ctx.queue.fail(row.job_id, item.lease_token, { retryAt: plan.retryAt, now });
      if (queued.kind !== 'dead') return 'retrying';
      // The queue counted the attempts out before the record did: the queue's verdict stands.
      const dead = await transitionJob(
        ctx.store.db,
        row.job_id,
        { status: 'queued', leaseToken: null },
        { status: 'dead', finished_at: now, updated_at: now },
      );
      if (!dead) return 'retrying';
      ctx.metrics.deadLettered.inc({ topic: row.topic });
      return 'dead';
    }
    case 'dead':
      ctx.metrics.failed.inc(labels);
      ctx.metrics.deadLettered.inc({ topic: row.topic });
      await ctx.queue.fail(row.job_id, item.lease_token, { retryAt: null, now });
      return 'dead';
  }
}
