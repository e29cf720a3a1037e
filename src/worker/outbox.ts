import type { DatabaseSync } from 'node:sqlite';
import type { BatchAnswer, JobResult, Verdict } from '../core/work/protocol.ts';
import type { CoordinatorError } from '../node-client/errors.ts';
import { createOutboxSender, type OutboxDelivery } from '../node-client/outbox/sender.ts';
import { type OutboxItem, OutboxStore } from '../node-client/outbox/store.ts';
import type { Logger } from '../platform/log.ts';
import type { WorkerCalls } from './coordinator-calls.ts';
import type { OutboxKind, WorkerMetrics } from './metrics.ts';

/** The contract's batch size: up to 100 results or verdicts per call. */
export const OUTBOX_BATCH = 100;
const BASE_BACKOFF_MS = 500;
/** With nothing queued the consumer still looks again this often (cheap: one indexed read). */
const IDLE_RECHECK_MS = 30_000;
const KINDS: readonly OutboxKind[] = ['results', 'verdicts'];
/** Dispositions that mean the item counted; anything else is said at debug level. */
const COUNTED = new Set(['recorded', 'retrying', 'released']);

/** A result or a verdict waiting in the outbox: its job id in `subject`, its JSON in `body`. */
type WorkerItem = OutboxItem<OutboxKind, string>;

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

export interface WorkerOutboxOptions {
  /** The open outbox file (openWorkerOutboxFile); its owner closes it after `close`. */
  db: DatabaseSync;
  calls: WorkerCalls;
  log: Logger;
  metrics: WorkerMetrics;
  maxBackoffMs: number;
  now?: () => number;
  random?: () => number;
}

/**
 * Delivers results and verdicts in batches of up to 100 of a kind. A row is deleted only when
 * a batch holding it was answered 200: the coordinator de-duplicates by lease token (a verdict
 * by its claim), so sending a row twice after a crash counts it once. A retryable failure (no
 * answer, 5xx, 429) holds the whole outbox back, with jitter, up to `maxBackoffMs`; a final
 * refusal (a 400 for a malformed item, say) splits the batch until the item at fault is alone,
 * and drops only that one.
 */
export function createOutbox({
  db,
  calls,
  log,
  metrics,
  maxBackoffMs,
  now = Date.now,
  random = Math.random,
}: WorkerOutboxOptions): Outbox {
  const store = new OutboxStore<OutboxKind, string>(db);
  // Read at scrape time and in /status, which may come after the file is closed.
  const depth = (kind?: OutboxKind) => (db.isOpen ? store.depth(kind) : 0);
  const sender = createOutboxSender({
    store,
    delivery: workerDelivery({ store, calls, log, metrics, now, depth }),
    log,
    batchSize: OUTBOX_BATCH,
    kinds: KINDS,
    hold: 'outbox',
    backoff: { initialMs: BASE_BACKOFF_MS, maxMs: maxBackoffMs },
    idleRecheckMs: IDLE_RECHECK_MS,
    now,
    random,
  });
  const add = (kind: OutboxKind, jobId: string, item: unknown) => {
    store.add(kind, jobId, JSON.stringify(item), now());
    sender.wake();
  };
  let closing: Promise<void> | null = null;
  return {
    addResult: (result) => add('results', result.job_id, result),
    addVerdict: (verdict) => add('verdicts', verdict.job_id, verdict),
    depth,
    close(flushWithinMs) {
      closing ??= sender.close(flushWithinMs).then(() => {
        const left = depth();
        if (left > 0) log.warn({ left }, 'outbox not empty at stop; the rest is sent at the next start');
      });
      return closing;
    },
  };
}

function workerDelivery({
  store,
  calls,
  log,
  metrics,
  now,
  depth,
}: {
  store: OutboxStore<OutboxKind, string>;
  calls: WorkerCalls;
  log: Logger;
  metrics: WorkerMetrics;
  now: () => number;
  depth: () => number;
}): OutboxDelivery<OutboxKind, string, BatchAnswer<string>> {
  return {
    send(kind, items, signal) {
      const parsed = items.map((item) => JSON.parse(item.body) as unknown);
      return kind === 'results'
        ? calls.submitResults(parsed as JobResult[], signal)
        : calls.submitVerdicts(parsed as Verdict[], signal);
    },
    delivered(kind, items, answer) {
      store.remove(items.map((item) => item.id));
      metrics.submissions.inc({ kind });
      for (const { job_id, disposition } of answer.items ?? []) {
        if (COUNTED.has(disposition)) continue;
        log.debug({ kind, job_id, disposition }, 'the coordinator discarded or already had this item');
      }
    },
    refused(item, error) {
      store.remove([item.id]);
      const instead = item.kind === 'results' ? tooLargeInstead(item, error) : null;
      if (instead !== null) {
        // The job ran; its result is more than the coordinator takes. Saying so ends the
        // job as a final failure now, where dropping it would leave it to expire and rerun.
        store.add('results', item.subject, JSON.stringify(instead), now());
        log.warn(
          { job_id: item.subject, bytes: item.body.length },
          'the coordinator refused a result as too large; reporting the job failed with result-too-large',
        );
        return;
      }
      metrics.dropped.inc({ kind: item.kind });
      log.error(
        { kind: item.kind, job_id: item.subject, status: error.status, error: error.message },
        'the coordinator refused this item for good; dropped',
      );
    },
    notDelivered({ kind, retryInMs, failures }) {
      metrics.submissionErrors.inc({ kind });
      if (retryInMs === null) return;
      log.warn({ failures, retry_in_ms: retryInMs, depth: depth() }, 'outbox not delivered yet; will retry');
    },
  };
}

/**
 * A success whose body the coordinator refused as too large (413), as the failure it is for
 * the coordinator: `result-too-large`, not retryable. Null for anything else.
 */
function tooLargeInstead(item: WorkerItem, error: CoordinatorError): JobResult | null {
  if (error.status !== 413) return null;
  const result = JSON.parse(item.body) as JobResult;
  if (result.status !== 'success') return null;
  const { result: _dropped, ...rest } = result;
  return {
    ...rest,
    status: 'failure',
    error: {
      code: 'result-too-large',
      message: `the result (${item.body.length} bytes of JSON with its envelope) is larger than the coordinator accepts`,
      retryable: false,
    },
  };
}
