import type { JobResult, Verdict } from '../core/work/protocol.ts';
import type { Logger } from '../platform/log.ts';
import { backoffMs } from '../platform/retry.ts';
import { createWaker } from '../platform/wait.ts';
import { CallAbortedError, CoordinatorError, type WorkerCoordinatorClient } from './coordinator-client.ts';
import type { OutboxKind, WorkerMetrics } from './metrics.ts';
import type { OutboxRow, OutboxStore } from './outbox-store.ts';

/** The contract's batch size: up to 100 results or verdicts per call. */
export const OUTBOX_BATCH = 100;
const BASE_BACKOFF_MS = 500;
/** With nothing queued the consumer still looks again this often (cheap: one indexed read). */
const IDLE_RECHECK_MS = 30_000;
const KINDS: readonly OutboxKind[] = ['results', 'verdicts'];

export interface Outbox {
  addResult(result: JobResult): void;
  addVerdict(verdict: Verdict): void;
  depth(kind?: OutboxKind): number;
  /**
   * Stops the consumer: it keeps sending while rows remain, for at most `flushWithinMs`, then
   * cuts the call in flight. What is left is sent by the next start.
   */
  close(flushWithinMs: number): Promise<void>;
}

type Delivery = { kind: 'done' } | { kind: 'retry'; retryAfterMs: number | null } | { kind: 'aborted' };

/**
 * Delivers results and verdicts in batches, one consumer per outbox. A row is deleted only
 * when a batch holding it was answered 200: the coordinator de-duplicates by lease token (a
 * verdict by its claim), so sending a row twice after a crash counts it once. A retryable
 * failure (no answer, 5xx, 429) backs off with jitter up to `maxBackoffMs`; a final refusal
 * (a 400 for a malformed item, say) splits the batch until the item at fault is alone, and
 * drops only that one, so one bad row never jams the rest.
 */
export function createOutbox({
  store,
  client,
  log,
  metrics,
  maxBackoffMs,
  now = Date.now,
  random = Math.random,
}: {
  store: OutboxStore;
  client: WorkerCoordinatorClient;
  log: Logger;
  metrics: WorkerMetrics;
  maxBackoffMs: number;
  now?: () => number;
  random?: () => number;
}): Outbox {
  const waker = createWaker();
  let stopping = false;
  let flushDeadline = Number.POSITIVE_INFINITY;
  const cutCalls = new AbortController();
  let failures = 0;

  async function send(kind: OutboxKind, rows: OutboxRow[]): Promise<void> {
    const items = rows.map((row) => JSON.parse(row.item) as unknown);
    const answered =
      kind === 'results'
        ? await client.submitResults(items as JobResult[], cutCalls.signal)
        : await client.submitVerdicts(items as Verdict[], cutCalls.signal);
    store.delete(rows.map((row) => row.id));
    metrics.submissions.inc({ kind });
    for (const { job_id, disposition } of answered.items ?? []) {
      if (disposition === 'recorded' || disposition === 'retrying' || disposition === 'released') continue;
      log.debug({ kind, job_id, disposition }, 'the coordinator discarded or already had this item');
    }
  }

  async function deliver(kind: OutboxKind, rows: OutboxRow[]): Promise<Delivery> {
    const batches: OutboxRow[][] = [rows];
    while (batches.length > 0) {
      const batch = batches.shift()!;
      try {
        await send(kind, batch);
      } catch (error) {
        if (error instanceof CallAbortedError) return { kind: 'aborted' };
        const message = (error as Error).message;
        metrics.submissionErrors.inc({ kind });
        const retryable = !(error instanceof CoordinatorError) || error.retryable;
        if (retryable) {
          store.noteFailure(
            batches
              .flat()
              .concat(batch)
              .map((row) => row.id),
            message,
          );
          return {
            kind: 'retry',
            retryAfterMs: error instanceof CoordinatorError ? error.retryAfterMs : null,
          };
        }
        if (batch.length === 1) {
          const row = batch[0]!;
          store.delete([row.id]);
          const instead = kind === 'results' ? tooLargeInstead(row, error) : null;
          if (instead !== null) {
            // The job ran; its result is more than the coordinator takes. Saying so ends the
            // job as a final failure now, where dropping it would leave it to expire and rerun.
            store.add('results', row.job_id, instead, now());
            log.warn(
              { job_id: row.job_id, bytes: row.item.length },
              'the coordinator refused a result as too large; reporting the job failed with result-too-large',
            );
            continue;
          }
          metrics.dropped.inc({ kind });
          log.error(
            { kind, job_id: row.job_id, status: (error as CoordinatorError).status, error: message },
            'the coordinator refused this item for good; dropped',
          );
          continue;
        }
        // Halves go first, in order: the rows around the bad one still leave soon.
        const half = Math.ceil(batch.length / 2);
        batches.unshift(batch.slice(0, half), batch.slice(half));
      }
    }
    return { kind: 'done' };
  }

  function sleep(ms: number): Promise<void> {
    const left = stopping ? Math.max(0, flushDeadline - now()) : ms;
    return waker.sleep(Math.min(ms, left));
  }

  async function run(): Promise<void> {
    for (;;) {
      if (stopping && (store.depth() === 0 || now() >= flushDeadline)) return;
      let sent = false;
      let retry: Delivery | null = null;
      try {
        for (const kind of KINDS) {
          const rows = store.oldest(kind, OUTBOX_BATCH);
          if (rows.length === 0) continue;
          const delivery = await deliver(kind, rows);
          if (delivery.kind === 'aborted') return;
          if (delivery.kind === 'retry') {
            retry = delivery;
            break;
          }
          sent = true;
        }
      } catch (error) {
        // The outbox file itself failed (disk full): say so and look again later rather than spin.
        log.error({ error: (error as Error).message }, 'outbox could not be read or updated');
        await sleep(Math.min(maxBackoffMs, 5_000));
        continue;
      }
      if (retry !== null && retry.kind === 'retry') {
        failures++;
        const wait = backoffMs(failures, {
          initialMs: BASE_BACKOFF_MS,
          maxMs: maxBackoffMs,
          retryAfterMs: retry.retryAfterMs,
          random,
        });
        log.warn(
          { failures, retry_in_ms: wait, depth: store.depth() },
          'outbox not delivered yet; will retry',
        );
        await sleep(wait);
      } else {
        failures = 0;
        if (!sent) {
          if (stopping) return;
          await sleep(IDLE_RECHECK_MS);
        }
      }
    }
  }

  const running = run();
  let closing: Promise<void> | null = null;
  return {
    addResult(result) {
      store.add('results', result.job_id, result, now());
      waker.wake();
    },
    addVerdict(verdict) {
      store.add('verdicts', verdict.job_id, verdict, now());
      waker.wake();
    },
    depth: (kind) => store.depth(kind),
    close(flushWithinMs) {
      closing ??= (async () => {
        stopping = true;
        flushDeadline = now() + flushWithinMs;
        waker.wake();
        const cut = setTimeout(() => {
          cutCalls.abort(new Error('outbox flush time is up'));
          waker.wake();
        }, flushWithinMs);
        try {
          await running;
        } finally {
          clearTimeout(cut);
        }
        const left = store.depth();
        if (left > 0) log.warn({ left }, 'outbox not empty at stop; the rest is sent at the next start');
      })();
      return closing;
    },
  };
}

/**
 * A success whose body the coordinator refused as too large (413), as the failure it is for
 * the coordinator: `result-too-large`, not retryable. Null for anything else.
 */
function tooLargeInstead(row: OutboxRow, error: unknown): JobResult | null {
  if (!(error instanceof CoordinatorError) || error.status !== 413) return null;
  const item = JSON.parse(row.item) as JobResult;
  if (item.status !== 'success') return null;
  const { result: _dropped, ...rest } = item;
  return {
    ...rest,
    status: 'failure',
    error: {
      code: 'result-too-large',
      message: `the result (${row.item.length} bytes of JSON with its envelope) is larger than the coordinator accepts`,
      retryable: false,
    },
  };
}
