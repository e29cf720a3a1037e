import type { DatabaseSync } from 'node:sqlite';
import { createOutboxSender, type OutboxDelivery, type OutboxSender } from '../node-client/outbox/sender.ts';
import type { Answer } from '../node-client/signed-client.ts';
import type { Logger } from '../platform/log.ts';
import type { AgentCalls } from './coordinator-calls.ts';
import { compactReportedEpoch, DEFAULT_REPORTS_KEPT } from './log/compact.ts';
import { transaction } from './log/database.ts';
import { agentOutbox, type OutboxKind, type OutboxRow } from './log/outbox.ts';

/** First wait after a failed attempt; it doubles per attempt up to the configured maximum. */
export const DEFAULT_BASE_BACKOFF_MS = 1_000;
/** With nothing pending the sender still looks again this often (a row queued by another path). */
const IDLE_RECHECK_MS = 60_000;

export type DeliveryOutcome = 'delivered' | 'failed';

export interface AgentOutboxOptions {
  db: DatabaseSync;
  calls: AgentCalls;
  log: Logger;
  maxBackoffMs: number;
  baseBackoffMs?: number;
  /** Settled reports kept in the log as the record of what was sent, newest epochs first. */
  reportsKept?: number;
  now?: () => number;
  random?: () => number;
  /** Told when a row is settled: accepted, or refused for good. */
  onSettled?: (row: OutboxRow, outcome: DeliveryOutcome, detail: string) => void;
}

/**
 * Delivers the agent's outbox in order: reports and interim summaries, each body sent exactly
 * as stored, each row on its own. The coordinator's 200/201/202 settle a row; a network
 * error, 5xx, 429, 401 or a "not yet" 409 schedules another attempt of that row with backoff
 * (the others go on); 400, 403, 404 and other 409s (a different report already there, the
 * window closed) settle it as failed, loudly for a report. An accepted report compacts its
 * epoch in the same transaction and stays as the record of what was sent, for the newest
 * `reportsKept` epochs; a delivered interim
 * summary is dropped at once (a month of them would be most of the log).
 */
export function startAgentOutbox({
  db,
  calls,
  log,
  maxBackoffMs,
  baseBackoffMs = DEFAULT_BASE_BACKOFF_MS,
  now = Date.now,
  random = Math.random,
  onSettled = () => {},
  reportsKept = DEFAULT_REPORTS_KEPT,
}: AgentOutboxOptions): OutboxSender {
  return createOutboxSender({
    store: agentOutbox(db),
    delivery: agentDelivery({ db, calls, log, now, onSettled, reportsKept }),
    log,
    batchSize: 1,
    hold: 'item',
    backoff: { initialMs: baseBackoffMs, maxMs: maxBackoffMs },
    idleRecheckMs: IDLE_RECHECK_MS,
    now,
    random,
  });
}

function agentDelivery({
  db,
  calls,
  log,
  now,
  onSettled,
  reportsKept,
}: Required<
  Pick<AgentOutboxOptions, 'db' | 'calls' | 'log' | 'now' | 'onSettled' | 'reportsKept'>
>): OutboxDelivery<OutboxKind, number, Answer<unknown>> {
  const outbox = agentOutbox(db);
  const what = (row: OutboxRow) => `${row.kind} of epoch ${row.subject}`;
  // Each row goes on its own (batchSize 1): every batch is one row.
  const only = (rows: OutboxRow[]) => rows[0]!;
  return {
    send(kind, rows, signal) {
      const { subject, body } = only(rows);
      return kind === 'report'
        ? calls.sendReport(subject, body, signal)
        : calls.sendInterim(subject, body, signal);
    },
    delivered(_kind, rows, answer) {
      const row = only(rows);
      const compacted = transaction(db, () => {
        if (row.kind === 'interim') {
          outbox.remove([row.id]);
          return null;
        }
        outbox.markDelivered([row.id], now());
        return compactReportedEpoch(db, row.subject, reportsKept);
      });
      if (compacted !== null) {
        log.info(
          {
            epoch: row.subject,
            status: answer.status,
            attempts: row.attempts + 1,
            compacted: compacted.samples,
          },
          answer.status === 200 ? 'report was already accepted' : 'report accepted',
        );
      } else log.debug({ epoch: row.subject, outbox_id: row.id }, 'interim summary delivered');
      onSettled(row, 'delivered', `HTTP ${answer.status}`);
    },
    refused(row, error) {
      outbox.markFailed([row.id], error.message, now());
      const fields = { epoch: row.subject, outbox_id: row.id, status: error.status, error: error.message };
      if (row.kind === 'report') log.error(fields, `the coordinator refused the ${what(row)} for good`);
      else log.warn(fields, `the coordinator refused the ${what(row)}`);
      onSettled(row, 'failed', error.message);
    },
    notDelivered({ items, error, retryInMs }) {
      if (retryInMs === null) return;
      const row = only(items);
      const fields = {
        epoch: row.subject,
        attempts: row.attempts + 1,
        retry_in_ms: retryInMs,
        error: error.message,
      };
      if (row.kind === 'report') log.warn(fields, `${what(row)} not delivered yet; will retry`);
      else log.debug(fields, `${what(row)} not delivered yet; will retry`);
    },
  };
}
