import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from '../platform/log.ts';
import { backoffMs } from '../platform/retry.ts';
import { createWaker } from '../platform/wait.ts';
import { type CoordinatorClient, CoordinatorError } from './coordinator-client.ts';
import { compactReportedEpoch } from './log/compact.ts';
import { transaction } from './log/database.ts';
import {
  deleteRow,
  dueRows,
  markDelivered,
  markFailed,
  markRetry,
  nextDueAt,
  type OutboxRow,
} from './log/outbox.ts';

/** First wait after a failed attempt; it doubles per attempt up to the configured maximum. */
export const DEFAULT_BASE_BACKOFF_MS = 1_000;
/** With nothing pending the sender still looks again this often (a row queued by another path). */
const IDLE_RECHECK_MS = 60_000;
const BATCH = 100;

export type DeliveryOutcome = 'delivered' | 'failed';

export interface OutboxSenderOptions {
  db: DatabaseSync;
  client: CoordinatorClient;
  log: Logger;
  maxBackoffMs: number;
  baseBackoffMs?: number;
  now?: () => number;
  random?: () => number;
  /** Told when a row is settled: accepted, or refused for good. */
  onSettled?: (row: OutboxRow, outcome: DeliveryOutcome, detail: string) => void;
  /** Told after every attempt, so /metrics can follow the outbox depth. */
  onAttempt?: (row: OutboxRow) => void;
}

export interface OutboxSender {
  /** Look at the outbox now (a row was just queued). */
  wake(): void;
  /** Stops after the attempt in flight, if any. */
  close(): Promise<void>;
}

/**
 * Delivers the outbox in order: reports and interim summaries, each body sent exactly as
 * stored. The coordinator's 200/201/202 settle a row; a network error, 5xx, 429, 401 or a
 * "not yet" 409 schedules another attempt with backoff; 400, 403, 404 and other 409s (a
 * different report already there, the window closed) settle it as failed, loudly for a
 * report. An accepted report compacts its epoch in the same transaction.
 */
export function createOutboxSender({
  db,
  client,
  log,
  maxBackoffMs,
  baseBackoffMs = DEFAULT_BASE_BACKOFF_MS,
  now = Date.now,
  random = Math.random,
  onSettled,
  onAttempt,
}: OutboxSenderOptions): OutboxSender {
  let closed = false;
  const waker = createWaker();
  const sleep = (ms: number) => (closed ? Promise.resolve() : waker.sleep(ms));

  async function deliver(row: OutboxRow): Promise<void> {
    const what = `${row.kind} of epoch ${row.epoch}`;
    try {
      const answer =
        row.kind === 'report'
          ? await client.sendReport(row.epoch, row.body)
          : await client.sendInterim(row.epoch, row.body);
      const compacted = transaction(db, () => {
        if (row.kind === 'interim') {
          deleteRow(db, row.id);
          return null;
        }
        markDelivered(db, row.id, now());
        return compactReportedEpoch(db, row.epoch);
      });
      const detail = `HTTP ${answer.status}`;
      if (row.kind === 'report') {
        log.info(
          {
            epoch: row.epoch,
            status: answer.status,
            attempts: row.attempts + 1,
            compacted: compacted?.samples,
          },
          answer.status === 200 ? 'report was already accepted' : 'report accepted',
        );
      } else log.debug({ epoch: row.epoch, outbox_id: row.id }, 'interim summary delivered');
      onSettled?.(row, 'delivered', detail);
    } catch (error) {
      if (closed) return; // cut short by close(): not an attempt
      const message = (error as Error).message;
      const retryable = !(error instanceof CoordinatorError) || error.retryable;
      if (retryable) {
        const wait = backoffMs(row.attempts + 1, {
          initialMs: baseBackoffMs,
          maxMs: maxBackoffMs,
          retryAfterMs: error instanceof CoordinatorError ? error.retryAfterMs : null,
          random,
        });
        markRetry(db, row.id, now() + wait, message);
        const fields = { epoch: row.epoch, attempts: row.attempts + 1, retry_in_ms: wait, error: message };
        if (row.kind === 'report') log.warn(fields, `${what} not delivered yet; will retry`);
        else log.debug(fields, `${what} not delivered yet; will retry`);
      } else {
        markFailed(db, row.id, message);
        const fields = {
          epoch: row.epoch,
          outbox_id: row.id,
          status: (error as CoordinatorError).status,
          error: message,
        };
        if (row.kind === 'report') log.error(fields, `the coordinator refused the ${what} for good`);
        else log.warn(fields, `the coordinator refused the ${what}`);
        onSettled?.(row, 'failed', message);
      }
    }
    onAttempt?.(row);
  }

  async function run(): Promise<void> {
    while (!closed) {
      let rows: OutboxRow[] = [];
      try {
        rows = dueRows(db, now(), BATCH);
        for (const row of rows) {
          if (closed) return;
          await deliver(row);
        }
      } catch (error) {
        // The log itself failed (disk full, say): say so and try again later rather than spin.
        log.error({ error: (error as Error).message }, 'outbox could not be read or updated');
        await sleep(Math.min(maxBackoffMs, 5_000));
        continue;
      }
      if (rows.length === BATCH) continue;
      const next = closed ? null : nextDueAt(db);
      await sleep(next === null ? IDLE_RECHECK_MS : Math.max(0, Math.min(next - now(), IDLE_RECHECK_MS)));
    }
  }

  const running = run();
  return {
    wake: () => waker.wake(),
    async close() {
      closed = true;
      waker.wake();
      await running;
    },
  };
}
