import { backoffDelayMs } from '../core/work/backoff.ts';
import type { ClaimedJob } from '../core/work/protocol.ts';
import { sleep } from '../platform/wait.ts';
import type { Adapter, AdapterOutcome } from './adapters/index.ts';

/** How a worker retries an attempt that failed in a way another try could fix. */
export interface RetryPolicy {
  maxRetries: number;
  delayMs: number;
  backoff: 'uniform' | 'exponential';
  /** Longest single wait: a lease's length, so a wait never outlasts what the holder can vouch for. */
  maxDelayMs: number;
}

export interface JobRun {
  outcome: AdapterOutcome;
  startedAtMs: number;
  finishedAtMs: number;
}

/**
 * Runs one claimed job through the adapter: retryable failures are tried again up to
 * `maxRetries` times with the policy's backoff (full jitter when exponential), never past the
 * job's deadline. Each attempt is limited by the job's `timeout_ms` and what is left before
 * the deadline. Stops at once when `signal` aborts (the caller then decides what, if anything,
 * is sent); the outcome is then the adapter's `cancelled`.
 */
export async function runWithRetries({
  job,
  adapter,
  policy,
  signal,
  now = Date.now,
  random = Math.random,
  onAttempt = () => {},
  onRetry = () => {},
}: {
  job: ClaimedJob;
  adapter: Adapter;
  policy: RetryPolicy;
  signal: AbortSignal;
  now?: () => number;
  random?: () => number;
  onAttempt?: () => void;
  onRetry?: (retry: number, delayMs: number, failure: AdapterOutcome) => void;
}): Promise<JobRun> {
  const startedAtMs = Math.trunc(now());
  const deadline = job.deadline_at_ms;
  const end = (outcome: AdapterOutcome): JobRun => ({
    outcome,
    startedAtMs,
    finishedAtMs: Math.trunc(now()),
  });
  let last: AdapterOutcome | null = null;
  for (let retry = 0; ; retry++) {
    const left = deadline === null ? Number.POSITIVE_INFINITY : deadline - now();
    if (left <= 0) {
      return end(
        last ?? {
          ok: false,
          error: {
            code: 'deadline-exceeded',
            message: 'the job’s deadline passed before it ran',
            retryable: false,
          },
        },
      );
    }
    onAttempt();
    let outcome: AdapterOutcome;
    try {
      outcome = await adapter.run(job.payload, {
        signal,
        timeoutMs: Math.max(1, Math.min(job.timeout_ms, left)),
      });
    } catch (error) {
      // Adapters never reject by contract; one that does is treated as a crash worth a retry.
      outcome = {
        ok: false,
        error: { code: 'adapter-error', message: (error as Error).message, retryable: true },
      };
    }
    if (outcome.ok || signal.aborted) return end(outcome);
    last = outcome;
    if (!outcome.error.retryable || retry >= policy.maxRetries) return end(outcome);
    const delayMs = backoffDelayMs(
      {
        kind: policy.backoff,
        initial_ms: policy.delayMs,
        max_ms: Math.max(policy.delayMs, policy.maxDelayMs),
      },
      retry + 1,
      random,
    );
    if (deadline !== null && now() + delayMs >= deadline) return end(outcome);
    onRetry(retry + 1, delayMs, outcome);
    await sleep(delayMs, signal);
    if (signal.aborted) return end(outcome);
  }
}
